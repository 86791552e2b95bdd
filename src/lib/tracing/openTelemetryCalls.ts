/**
 * The OpenTelemetry backend's spans of outgoing calls: AWS SDK calls through a middleware added to each client, and
 * fetch through a wrapper, recorded with the attributes xrayDocuments.ts turns into X-Ray's AWS and remote subsegments.
 */
import type { AttributeValue, Span as OtelSpan } from '@opentelemetry/api';
import { type Flags, flagsFor, guard, safeError } from './common.ts';
import { ATTR, xrayTraceId } from './xrayDocuments.ts';

/** A recording span of a call: the OpenTelemetry span and its closing. */
export interface CallSpan {
  readonly span: OtelSpan;
  close(): void;
}

/** A child of the current span, when there is a trace to record it in. */
export type StartChild = (name: string) => CallSpan | undefined;

/** Sets the attributes that have a value (the SDK would warn about the others). */
export function setDefined(span: OtelSpan, attributes: Record<string, AttributeValue | undefined>): void {
  for (const [key, value] of Object.entries(attributes))
    if (value !== undefined) span.setAttribute(key, value);
}

export function setFlags(span: OtelSpan, flags: Flags): void {
  if (flags.error) span.setAttribute(ATTR.error, true);
  if (flags.fault) span.setAttribute(ATTR.fault, true);
  if (flags.throttle) span.setAttribute(ATTR.throttle, true);
}

/** An exception event as OpenTelemetry names its attributes; `remote` when a called service failed. */
export function addException(span: OtelSpan, error: Error, remote: boolean): void {
  span.addEvent('exception', {
    'exception.type': error.name,
    'exception.message': error.message,
    'exception.stacktrace': error.stack,
    ...(remote ? { [ATTR.remoteException]: true } : {}),
  });
}

/** AWS SDK errors that mean "slow down" (the SDK's own classification, without importing its internals). */
function isThrottling(error: {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}) {
  const retryable = error.$retryable as { throttling?: boolean } | undefined;
  return (
    retryable?.throttling === true ||
    error.$metadata?.httpStatusCode === 429 ||
    /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests|SlowDown/.test(
      error.name ?? '',
    )
  );
}

interface SdkMiddlewareContext {
  clientName?: string;
  commandName?: string;
}
interface SdkArgs {
  input?: Record<string, unknown>;
  request?: { headers?: Record<string, string> };
}
interface SdkOutput {
  output?: { $metadata?: { requestId?: string; httpStatusCode?: number; attempts?: number } };
  response?: { headers?: Record<string, string> };
}
interface TraceableClient {
  config: { region?: string | (() => Promise<string>) };
  middlewareStack: {
    remove(name: string): boolean;
    add(
      middleware: (
        next: (args: SdkArgs) => Promise<SdkOutput>,
        context: SdkMiddlewareContext,
      ) => (args: SdkArgs) => Promise<SdkOutput>,
      options: { step: 'build'; name: string },
    ): void;
  };
}

const CLIENT_MIDDLEWARE = 'voiceCampaignTracing';

async function regionOf(client: TraceableClient): Promise<string | undefined> {
  try {
    const { region } = client.config;
    return typeof region === 'function' ? await region() : region;
  } catch {
    return undefined;
  }
}

/** What an AWS call's span records: the service's resource, as X-Ray's own AWS subsegments name it. */
function resourceAttributes(input: Record<string, unknown> | undefined) {
  return {
    [ATTR.tableName]: typeof input?.TableName === 'string' ? input.TableName : undefined,
    [ATTR.tableNames]: input?.RequestItems ? Object.keys(input.RequestItems as object) : undefined,
    [ATTR.queueUrl]: typeof input?.QueueUrl === 'string' ? input.QueueUrl : undefined,
    [ATTR.bucket]: typeof input?.Bucket === 'string' ? input.Bucket : undefined,
  };
}

function awsCallResult(
  span: CallSpan,
  metadata: { requestId?: string; httpStatusCode?: number; attempts?: number } | undefined,
  contentLength: string | undefined,
): void {
  setDefined(span.span, {
    [ATTR.requestId]: metadata?.requestId,
    [ATTR.retries]: Math.max(0, (metadata?.attempts ?? 1) - 1),
    [ATTR.status]: metadata?.httpStatusCode,
    [ATTR.contentLength]: contentLength === undefined ? undefined : Number(contentLength),
  });
}

export function traceClientCalls<T extends object>(client: T, startChild: StartChild): T {
  const traceable = client as unknown as TraceableClient;
  traceable.middlewareStack.remove(CLIENT_MIDDLEWARE);
  traceable.middlewareStack.add(
    (next, context) => async (args) => {
      const span = startChild((context.clientName ?? 'AWS').replace(/Client$/, ''));
      if (span === undefined) return next(args);
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      setDefined(span.span, {
        [ATTR.namespace]: 'aws',
        [ATTR.rpcMethod]: operation,
        [ATTR.region]: await regionOf(traceable),
        ...resourceAttributes(args.input),
      });
      // The service continues the trace (SQS, for one, hands it to the consumer of the message).
      if (args.request?.headers) {
        const { traceId, spanId } = span.span.spanContext();
        args.request.headers['X-Amzn-Trace-Id'] = `Root=${xrayTraceId(traceId)};Parent=${spanId};Sampled=1`;
      }
      try {
        const result = await next(args);
        guard(() => {
          awsCallResult(span, result.output?.$metadata, result.response?.headers?.['content-length']);
          const status = result.output?.$metadata?.httpStatusCode;
          if (status !== undefined) setFlags(span.span, flagsFor(status));
        });
        return result;
      } catch (error) {
        guard(() => {
          const failure = error as Parameters<typeof isThrottling>[0];
          awsCallResult(span, failure.$metadata, undefined);
          addException(span.span, safeError(error), true);
          // As the X-Ray SDK flags a failed call: throttle when the service said so, error for a 4xx, and fault
          // for every failure (the call did not complete).
          if (isThrottling(failure)) span.span.setAttribute(ATTR.throttle, true);
          setFlags(span.span, flagsFor(failure.$metadata?.httpStatusCode ?? 500));
          span.span.setAttribute(ATTR.fault, true);
        });
        throw error;
      } finally {
        span.close();
      }
    },
    { step: 'build', name: CLIENT_MIDDLEWARE },
  );
  return client;
}

/** Wraps the global fetch so each call is a span of the current trace (once per process: the caller's guard). */
export function traceFetchCalls(startChild: StartChild): void {
  const untraced = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const span = startChild(url.hostname);
    if (span === undefined) return untraced(input, init);
    setDefined(span.span, {
      [ATTR.namespace]: 'remote',
      [ATTR.url]: url.href,
      [ATTR.method]: init?.method ?? (input instanceof Request ? input.method : 'GET'),
    });
    try {
      const response = await untraced(input, init);
      guard(() => {
        span.span.setAttribute(ATTR.status, response.status);
        setFlags(span.span, flagsFor(response.status));
      });
      return response;
    } catch (error) {
      guard(() => {
        addException(span.span, safeError(error), true);
        setFlags(span.span, flagsFor(500));
      });
      throw error;
    } finally {
      span.close();
    }
  };
}
