/**
 * The OpenTelemetry backend: the OpenTelemetry trace SDK with X-Ray's id generator, the invocation continued from
 * the Lambda's trace header by X-Ray's propagator, and its spans sent to the X-Ray daemon as segment documents
 * (xrayDocuments.ts), so the console, filter expressions and sampling rules stay as they are.
 *
 * No global context manager and no patching: a child names its parent explicitly, and the span code runs under is
 * kept in an AsyncLocalStorage of this module's own (on Node 24, AsyncContextFrame: no async hooks are installed).
 * AWS SDK calls and fetch are traced in openTelemetryCalls.ts, SQL by the database module.
 *
 * Where there is no trace (outside Lambda, an unsampled invocation) every span is a no-op: no error, no log line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  defaultTextMapGetter,
  type Span as OtelSpan,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AlwaysOffSampler, BasicTracerProvider, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { traceHeader, tracingConfig } from '../config.ts';
import {
  type AnnotationValue,
  type Budget,
  type Flags,
  giveInvocationTraceHeader,
  guard,
  noopSpan,
  RecordingSpan,
  type Span,
  type TracingBackend,
  unsampledTraceHeader,
} from './common.ts';
import { DaemonSender } from './daemon.ts';
import {
  addException,
  setDefined,
  setFlags,
  traceClientCalls,
  traceFetchCalls,
} from './openTelemetryCalls.ts';
import { OtlpSender } from './otlp.ts';
import { ATTR, InvocationSpanProcessor, segmentDocuments, xrayTraceId } from './xrayDocuments.ts';

const daemon = new DaemonSender(() => tracingConfig().daemonAddress);
const otlp = new OtlpSender();

/** An invocation's spans: to the OTLP endpoint when one is set, else to the daemon as segment documents. */
function sendSpans(spans: readonly ReadableSpan[]): void {
  const target = tracingConfig().otlp;
  if (target !== undefined) otlp.send(spans, target);
  else daemon.send(segmentDocuments(spans));
}

const provider = new BasicTracerProvider({
  idGenerator: new AWSXRayIdGenerator(),
  // The decision is Lambda's, carried by the trace header (its sampling rules): sampled there, recorded here.
  sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  spanProcessors: [new InvocationSpanProcessor(sendSpans)],
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

class OtelBackedSpan extends RecordingSpan {
  readonly span: OtelSpan;
  readonly #budget: Budget;

  constructor(span: OtelSpan, budget: Budget) {
    super(budget);
    this.span = span;
    this.#budget = budget;
  }

  protected writeAnnotation(key: string, value: AnnotationValue): void {
    this.span.setAttribute(`${ATTR.annotation}${key}`, value);
  }

  protected writeMetadata(namespace: string, key: string, value: unknown): void {
    // Attribute values are flat; metadata may be any JSON, so it travels as JSON text.
    this.span.setAttribute(`${ATTR.metadata}${namespace}.${key}`, JSON.stringify(value ?? null));
  }

  protected writeFlags(flags: Flags): void {
    setFlags(this.span, flags);
  }

  protected writeError(error: Error): void {
    addException(this.span, error, false);
  }

  protected end(): void {
    this.span.end();
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

export const openTelemetryBackend: TracingBackend = {
  currentSpan,

  currentTraceHeader() {
    const active = holder().current;
    if (active !== undefined) {
      const { traceId, spanId } = active.span.spanContext();
      return `Root=${xrayTraceId(traceId)};Parent=${spanId};Sampled=1`;
    }
    return unsampledTraceHeader();
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
    giveInvocationTraceHeader(incoming);
    return storage.run({ current: undefined }, fn);
  },

  captureClient(client) {
    return traceClientCalls(client, tracedChild);
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
    traceFetchCalls(tracedChild);
  },

  awaitsExport() {
    return tracingConfig().otlp !== undefined;
  },

  flush() {
    return otlp.flush();
  },
};

export default openTelemetryBackend;
