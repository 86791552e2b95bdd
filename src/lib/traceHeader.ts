import { randomBytes } from 'node:crypto';

/**
 * A new X-Ray trace header, `Root=1-<time>-<id>;Parent=<id>;Sampled=1`, and its trace id: what Lambda gives each
 * invocation in `_X_AMZN_TRACE_ID`. Free of the X-Ray SDK, so local tools can use it before the SDK loads.
 */
export function newTraceHeader(sampled = true): { traceId: string; header: string } {
  const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return {
    traceId,
    header: `Root=${traceId};Parent=${randomBytes(8).toString('hex')};Sampled=${sampled ? 1 : 0}`,
  };
}
