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

/**
 * The trace header every record of an SQS event carries (its sender's, AWSTraceHeader), when they all carry the same
 * trace: the trace the batch's invocation continues, as Lambda links a consumer to its producer. Otherwise undefined.
 */
export function sharedTraceHeader(event: unknown): string | undefined {
  const records = (event as { Records?: Array<{ attributes?: { AWSTraceHeader?: string } }> } | null)
    ?.Records;
  if (!Array.isArray(records) || records.length === 0) return undefined;
  const headers = records.map((record) => record?.attributes?.AWSTraceHeader);
  const roots = new Set(headers.map((header) => /Root=([^;]+)/.exec(header ?? '')?.[1]));
  const [root] = roots;
  return roots.size === 1 && root !== undefined ? headers[0] : undefined;
}
