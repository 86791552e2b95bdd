/**
 * The OpenTelemetry backend: the OpenTelemetry trace SDK with X-Ray's id generator, the invocation continued from
 * the Lambda's trace header by X-Ray's propagator, and its spans sent to the X-Ray daemon as segment documents
 * (xrayDocuments.ts), so the console, filter expressions and sampling rules stay as they are.
 *
 * No global context manager and no patching: a child names its parent explicitly, and the span code runs under is
 * kept in an AsyncLocalStorage of this module's own (on Node 24, AsyncContextFrame: no async hooks are installed).
 * AWS SDK calls are traced by a middleware added to each client, SQL by the database module, fetch by a wrapper.
 *
 * Where there is no trace (outside Lambda, an unsampled invocation) every span is a no-op: no error, no log line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type AttributeValue,
  type Context,
  defaultTextMapGetter,
  type Span as OtelSpan,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { AlwaysOffSampler, BasicTracerProvider, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { setTraceHeader, traceHeader, tracingConfig } from '../config.ts';
import { statusCodeOf } from '../errors.ts';
import { newTraceHeader } from '../traceHeader.ts';
import {
  type AnnotationValue,
  annotationKey,
  type Budget,
  flagsFor,
  guard,
  MAX_ANNOTATIONS_PER_TRACE,
  noopSpan,
  OVER_BUDGET_NAMESPACE,
  parseTraceHeader,
  type Span,
  safeError,
  type TracingBackend,
} from './common.ts';
import { ATTR, DaemonSender, InvocationSpanProcessor, xrayTraceId } from './xrayDocuments.ts';

const provider = new BasicTracerProvider({
  idGenerator: new AWSXRayIdGenerator(),
  // The decision is Lambda's, carried by the trace header (its sampling rules): sampled there, recorded here.
  sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  spanProcessors: [new InvocationSpanProcessor(new DaemonSender(() => tracingConfig().daemonAddress))],
});
const tracer = provider.getTracer('voice-campaign');
const propagator = new AWSXRayPropagator();

/** The span code runs under; one holder per invocation (runInOwnTraceContext), else the process's own. */
interface Holder {
  current: OtelBackedSpan | undefined;
}
const storage = new AsyncLocalStorage<Holder>();
const processHolder: Holder = { current: undefined };
const holder = () => storage.getStore() ?? processHolder;

let fetchTraced = false;

/** Sets the attributes that have a value (the SDK would warn about the others). */
function setDefined(span: OtelSpan, attributes: Record<string, AttributeValue | undefined>): void {
  for (const [key, value] of Object.entries(attributes))
    if (value !== undefined) span.setAttribute(key, value);
}

function setFlags(span: OtelSpan, statusCode: number): void {
  const flags = flagsFor(statusCode);
  if (flags.error) span.setAttribute(ATTR.error, true);
  if (flags.fault) span.setAttribute(ATTR.fault, true);
  if (flags.throttle) span.setAttribute(ATTR.throttle, true);
}

class OtelBackedSpan implements Span {
  readonly traced = true;
  readonly span: OtelSpan;
  readonly #budget: Budget;
  #open = true;

  constructor(span: OtelSpan, budget: Budget) {
    this.span = span;
    this.#budget = budget;
  }

  annotate(key: string, value: AnnotationValue | undefined): void {
    if (value === undefined) return;
    const safeKey = annotationKey(key);
    guard(() => {
      if (this.#budget.used >= MAX_ANNOTATIONS_PER_TRACE) {
        this.#metadata(OVER_BUDGET_NAMESPACE, safeKey, value);
        return;
      }
      this.#budget.used += 1;
      this.span.setAttribute(`${ATTR.annotation}${safeKey}`, value);
    });
  }

  #metadata(namespace: string, key: string, value: unknown): void {
    // Attribute values are flat; metadata may be any JSON, so it travels as JSON text.
    this.span.setAttribute(`${ATTR.metadata}${namespace}.${key}`, JSON.stringify(value ?? null));
  }

  addMetadata(key: string, value: unknown): void {
    guard(() => this.#metadata('default', key, value));
  }

  recordError(error: unknown, status?: number): void {
    guard(() => {
      this.recordException(error, false);
      setFlags(this.span, status ?? statusCodeOf(error));
    });
  }

  recordException(error: unknown, remote: boolean): void {
    const safe = safeError(error);
    this.span.addEvent('exception', {
      'exception.type': safe.name,
      'exception.message': safe.message,
      'exception.stacktrace': safe.stack,
      ...(remote ? { [ATTR.remoteException]: true } : {}),
    });
  }

  markStatus(statusCode: number): void {
    guard(() => setFlags(this.span, statusCode));
  }

  child(name: string): Span {
    return this.tracedChild(name) ?? noopSpan;
  }

  tracedChild(name: string): OtelBackedSpan | undefined {
    try {
      return new OtelBackedSpan(
        tracer.startSpan(name, undefined, trace.setSpan(ROOT_CONTEXT, this.span)),
        this.#budget,
      );
    } catch {
      return undefined;
    }
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return storage.run({ current: this }, fn);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    guard(() => this.span.end());
  }
}

function currentSpan(): Span {
  return holder().current ?? noopSpan;
}

/** A child of the current span, when there is a trace to record it in. */
function tracedChild(name: string): OtelBackedSpan | undefined {
  return holder().current?.tracedChild(name);
}

/** The context an invocation continues: the Lambda's trace header, its sampling decision with it. */
function invocationContext(): Context {
  return propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': traceHeader() }, defaultTextMapGetter);
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
  span: OtelBackedSpan,
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

export const openTelemetryBackend: TracingBackend = {
  currentSpan,

  currentTraceHeader() {
    const active = holder().current;
    if (active !== undefined) {
      const { traceId, spanId } = active.span.spanContext();
      return `Root=${xrayTraceId(traceId)};Parent=${spanId};Sampled=1`;
    }
    const { root } = parseTraceHeader(traceHeader());
    return root ? `Root=${root};Sampled=0` : undefined;
  },

  startInvocationSpan(name) {
    if (!tracingConfig().inLambda) return noopSpan;
    try {
      const span = tracer.startSpan(name, undefined, invocationContext());
      if (!span.isRecording()) return noopSpan;
      const root = new OtelBackedSpan(span, { used: 0 });
      holder().current = root;
      return root;
    } catch {
      return noopSpan;
    }
  },

  runInOwnTraceContext(fn, incoming) {
    // Local emulator only (see TracingConfig): it gives no trace header, so one is made per invocation (or the one
    // its messages' sender gave them), where the Lambda runtime would put it.
    if (tracingConfig().newTracePerInvocation) setTraceHeader(incoming ?? newTraceHeader().header);
    return storage.run({ current: undefined }, fn);
  },

  captureClient(client) {
    const traceable = client as unknown as TraceableClient;
    traceable.middlewareStack.remove(CLIENT_MIDDLEWARE);
    traceable.middlewareStack.add(
      (next, context) => async (args) => {
        const span = tracedChild((context.clientName ?? 'AWS').replace(/Client$/, ''));
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
            if (status !== undefined) setFlags(span.span, status);
          });
          return result;
        } catch (error) {
          guard(() => {
            const failure = error as Parameters<typeof isThrottling>[0];
            awsCallResult(span, failure.$metadata, undefined);
            span.recordException(error, true);
            // As the X-Ray SDK flags a failed call: throttle when the service said so, error for a 4xx, and fault
            // for every failure (the call did not complete).
            if (isThrottling(failure)) span.span.setAttribute(ATTR.throttle, true);
            setFlags(span.span, failure.$metadata?.httpStatusCode ?? 500);
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
  },

  startSqlSpan(target, text) {
    const span = tracedChild(`${target.database}@${target.host}`);
    if (span !== undefined) {
      guard(() =>
        setDefined(span.span, {
          [ATTR.namespace]: 'remote',
          [ATTR.dbSystem]: 'postgresql',
          [ATTR.dbNamespace]: target.database,
          [ATTR.dbUser]: target.user,
          [ATTR.serverAddress]: target.host,
          [ATTR.serverPort]: target.port,
          [ATTR.dbQuery]: text,
        }),
      );
    }
    return span ?? noopSpan;
  },

  traceOutboundFetch() {
    if (fetchTraced) return;
    fetchTraced = true;
    const untraced = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const span = tracedChild(url.hostname);
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
          setFlags(span.span, response.status);
        });
        return response;
      } catch (error) {
        guard(() => {
          span.recordException(error, true);
          setFlags(span.span, 500);
        });
        throw error;
      } finally {
        span.close();
      }
    };
  },
};

export default openTelemetryBackend;
