/**
 * The tracing module: the one place (with src/middleware/xray.ts, which uses it) that knows about traces. Everything
 * else speaks of spans through this file.
 *
 * Two backends stand behind it, chosen when a function is built, one per stage (`tracingBackend` in serverless.yml,
 * see docs/tracing.md): the X-Ray SDK (src/lib/tracing/xray.ts, the default) and OpenTelemetry
 * (src/lib/tracing/openTelemetry.ts). `#tracing-backend` is a package.json import: its `tracing-opentelemetry`
 * condition (esbuild's `conditions`, Node's and Jest's export conditions) selects OpenTelemetry, and a bundle holds
 * only the backend it was built with.
 */
import backend from '#tracing-backend';
import type { Span, SqlTarget } from './tracing/common.ts';

export type { AnnotationValue, Span, SqlTarget } from './tracing/common.ts';
export { MAX_ANNOTATIONS_PER_TRACE } from './tracing/common.ts';

/** The span of the code running now: a no-op span when nothing is traced. */
export function currentSpan(): Span {
  return backend.currentSpan();
}

/**
 * The trace header a message sent now should carry (`Root=...;Parent=...;Sampled=1`): the current span as its parent.
 * Unsampled, the invocation's own header with `Sampled=0`, so the decision travels on; nothing outside a trace.
 */
export function currentTraceHeader(): string | undefined {
  return backend.currentTraceHeader();
}

/**
 * Opens the root span of an invocation (an X-Ray subsegment of the Lambda's segment) and makes it current.
 * Returns a no-op span when there is no trace or the trace is not sampled.
 */
export function startInvocationSpan(name: string): Span {
  return backend.startInvocationSpan(name);
}

/**
 * Runs one invocation in a trace context of its own: two invocations in one process (tests, local emulators,
 * concurrent runtimes) never nest into each other. `incoming` is the trace a local emulator continues.
 */
export function runInOwnTraceContext<T>(fn: () => Promise<T>, incoming?: string): Promise<T> {
  return backend.runInOwnTraceContext(fn, incoming);
}

/** Makes each call of an AWS SDK v3 client a span of the current span (a middleware on the client's stack). */
export function captureClient<T extends object>(client: T): T {
  return backend.captureClient(client);
}

/**
 * Opens an `sql` span for one query under the current span: the parameterised text is recorded, parameter values
 * never are. Named `database@host`, as X-Ray's own SQL subsegments are.
 */
export function startSqlSpan(target: SqlTarget, text: string): Span {
  return backend.startSqlSpan(target, text);
}

/**
 * Waits for the invocation's spans to be sent, where sending takes a request (the OTLP exporter): the traced chain
 * awaits it before the invocation returns, as Lambda freezes the process then. Immediate for the daemon's datagrams.
 */
export function flushTraces(): Promise<void> {
  return backend.flush();
}

/** Whether invocations wait for their spans to be sent (flushTraces): not when they go to the daemon. */
export function tracesAwaitExport(): boolean {
  return backend.awaitsExport();
}

/**
 * Traces outbound HTTP made with fetch (each call a span), for the functions that call out beyond the AWS SDK (the
 * authorizer's key-set download); call it at their module load.
 */
export function traceOutboundFetch(): void {
  backend.traceOutboundFetch();
}

/**
 * Runs `fn` inside a child span of the current span named `name`: current for `fn`, closed afterwards,
 * with any error recorded on it before it is rethrown.
 */
export async function traced<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  const span = currentSpan().child(name);
  try {
    return await span.run(() => fn(span));
  } catch (error) {
    span.recordError(error);
    throw error;
  } finally {
    span.close();
  }
}
