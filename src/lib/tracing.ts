/**
 * The one module (with src/middleware/) that touches the X-Ray SDK. Everything else speaks of spans, so a move
 * to OpenTelemetry changes this file and the middleware alone.
 *
 * Where there is no segment (outside Lambda, tracing off) every span is a no-op: no error, no log line.
 */

import AWSXRay from 'aws-xray-sdk-core';
import { captureFetchGlobal } from 'aws-xray-sdk-fetch';
import { setTraceHeader, traceHeader, tracingConfig } from './config.ts';
import { statusCodeOf } from './errors.ts';
import { redactPhoneLike } from './redact.ts';
import { newTraceHeader } from './traceHeader.ts';

type XraySubsegment = AWSXRay.Subsegment;
type AnnotationValue = string | number | boolean;

/** X-Ray indexes at most 50 annotations a trace and silently drops keys outside [A-Za-z0-9_]. */
export const MAX_ANNOTATIONS_PER_TRACE = 50;
const VALID_KEY = /^[A-Za-z0-9_]+$/;

// The SDK's own setting: outside Lambda there is no segment, and it would log an error for every traced client call.
AWSXRay.setContextMissingStrategy(() => {});

let fetchTraced = false;
/**
 * Traces outbound HTTP made with fetch (each call a subsegment), for the functions that call out beyond the AWS SDK
 * (the authorizer's key-set download); call it at their module load. node:http/https are not patched: the AWS SDK
 * uses them, and its calls are traced as AWS subsegments already.
 */
export function traceOutboundFetch(): void {
  if (fetchTraced) return;
  fetchTraced = true;
  captureFetchGlobal(true);
}

export interface Span {
  /** True when this span records into a real trace. */
  readonly traced: boolean;
  /** Indexed, filterable value. Keys outside [A-Za-z0-9_] are rewritten; past the trace's budget it becomes metadata. */
  annotate(key: string, value: AnnotationValue | undefined): void;
  /** Unindexed context. Never put a raw phone number here. */
  addMetadata(key: string, value: unknown): void;
  /**
   * Records the error and its flag: 429 throttle, other 4xx error, 5xx (and unknown errors) fault. `statusCode`, when
   * given, is the status the error stands for (an error handler may have chosen it); the error is never changed.
   */
  recordError(error: unknown, statusCode?: number): void;
  /** Sets the flag an HTTP status stands for, without an exception. */
  markStatus(statusCode: number): void;
  /** Opens a child span (not current: use `run` or `traced` for that). */
  child(name: string): Span;
  /** Runs `fn` with this span as the current one, so SDK and SQL subsegments nest under it. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the span. Idempotent, and never throws: tracing cannot fail a request. */
  close(): void;
}

interface Budget {
  used: number;
}

const budgets = new WeakMap<object, Budget>();

function flagsFor(sub: XraySubsegment, statusCode: number): void {
  if (statusCode === 429) {
    sub.addThrottleFlag();
    sub.addErrorFlag();
  } else if (statusCode >= 400 && statusCode < 500) {
    sub.addErrorFlag();
  } else if (statusCode >= 500) {
    sub.addFaultFlag();
  }
}

/** An Error safe to put in a trace: its type and stack frames, its message with anything number-like masked. */
function safeError(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const safe = new Error(redactPhoneLike(source.message.split('\n')[0] ?? ''));
  safe.name = source.name;
  const frames = (source.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}

function guard(action: () => void): void {
  try {
    action();
  } catch {
    // Tracing must never fail the work it describes.
  }
}

class XraySpan implements Span {
  readonly traced = true;
  readonly #sub: XraySubsegment;
  readonly #budget: Budget;
  #open = true;

  constructor(sub: XraySubsegment, budget: Budget) {
    this.#sub = sub;
    this.#budget = budget;
    budgets.set(sub, budget);
  }

  get subsegment(): XraySubsegment {
    return this.#sub;
  }

  annotate(key: string, value: AnnotationValue | undefined): void {
    if (value === undefined) return;
    const safeKey = VALID_KEY.test(key) ? key : key.replace(/[^A-Za-z0-9_]/g, '_');
    guard(() => {
      if (this.#budget.used >= MAX_ANNOTATIONS_PER_TRACE) {
        this.#sub.addMetadata(safeKey, value, 'annotations_over_budget');
        return;
      }
      this.#budget.used += 1;
      this.#sub.addAnnotation(safeKey, value);
    });
  }

  addMetadata(key: string, value: unknown): void {
    guard(() => this.#sub.addMetadata(key, value));
  }

  recordError(error: unknown, status?: number): void {
    const statusCode = status ?? statusCodeOf(error);
    guard(() => {
      this.#sub.addError(safeError(error));
      // addError always sets fault; a client error is an `error`, a throttle a `throttle`.
      if (statusCode < 500) delete (this.#sub as { fault?: boolean }).fault;
      flagsFor(this.#sub, statusCode);
    });
  }

  markStatus(statusCode: number): void {
    guard(() => flagsFor(this.#sub, statusCode));
  }

  child(name: string): Span {
    try {
      return new XraySpan(this.#sub.addNewSubsegment(name), this.#budget);
    } catch {
      return noopSpan;
    }
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    const namespace = AWSXRay.getNamespace();
    return namespace.runAndReturn(() => {
      AWSXRay.setSegment(this.#sub);
      return fn();
    });
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    guard(() => this.#sub.close());
  }
}

const noopSpan: Span = {
  traced: false,
  annotate: () => {},
  addMetadata: () => {},
  recordError: () => {},
  markStatus: () => {},
  child: () => noopSpan,
  run: (fn) => fn(),
  close: () => {},
};

function activeEntity(): AWSXRay.Segment | XraySubsegment | undefined {
  try {
    // Read the context directly: AWSXRay.getSegment() reports a missing context, we only ask.
    return AWSXRay.getNamespace().get('segment') as AWSXRay.Segment | XraySubsegment | undefined;
  } catch {
    return undefined;
  }
}

function currentSubsegment(): XraySubsegment | undefined {
  const active = activeEntity();
  return active === undefined || active instanceof AWSXRay.Segment ? undefined : active;
}

/**
 * The segment an invocation's root subsegment belongs under: in Lambda, the facade segment, refreshed to the
 * invocation's trace header. Taken from the segment itself, not from whatever subsegment a previous invocation
 * left current, so a leftover never becomes the parent of a new invocation.
 */
function invocationSegment(): AWSXRay.Segment | undefined {
  const active = activeEntity();
  if (active === undefined) return undefined;
  try {
    AWSXRay.setSegment(active instanceof AWSXRay.Segment ? active : active.segment);
    // getSegment() is what refreshes the Lambda facade segment to the current trace header.
    const segment = AWSXRay.getSegment();
    return segment instanceof AWSXRay.Segment ? segment : undefined;
  } catch {
    return undefined;
  }
}

/** The span of the code running now: a no-op span when nothing is traced. */
export function currentSpan(): Span {
  const active = currentSubsegment();
  if (active === undefined || active.segment?.notTraced) return noopSpan;
  return new XraySpan(active, budgets.get(active) ?? { used: 0 });
}

/**
 * The trace header a message sent now should carry (`Root=...;Parent=...;Sampled=1`): the current span as its parent.
 * Unsampled, the invocation's own header with `Sampled=0`, so the decision travels on; nothing outside a trace.
 */
export function currentTraceHeader(): string | undefined {
  const active = currentSubsegment();
  if (active !== undefined && !active.segment?.notTraced) {
    const traceId = active.segment?.trace_id;
    return traceId ? `Root=${traceId};Parent=${active.id};Sampled=1` : undefined;
  }
  const root = /Root=([^;]+)/.exec(traceHeader() ?? '')?.[1];
  return root ? `Root=${root};Sampled=0` : undefined;
}

/**
 * Opens the root subsegment of an invocation under the Lambda segment and makes it current.
 * Returns a no-op span when there is no segment or the trace is not sampled.
 */
export function startInvocationSpan(name: string): Span {
  const parent = invocationSegment();
  if (parent === undefined || (parent as { notTraced?: boolean }).notTraced) return noopSpan;
  try {
    const sub = parent.addNewSubsegment(name);
    AWSXRay.setSegment(sub);
    return new XraySpan(sub, { used: 0 });
  } catch {
    return noopSpan;
  }
}

/**
 * Runs one invocation in a trace context of its own. The SDK keeps the current segment in a cls-hooked context;
 * two invocations in one process (tests, local emulators, concurrent runtimes) would otherwise nest into each other.
 */
export function runInOwnTraceContext<T>(fn: () => Promise<T>, incoming?: string): Promise<T> {
  // Local emulator only (see TracingConfig): it gives no trace header, so one is made per invocation (or the one its
  // messages' sender gave them), where the Lambda runtime would put it (the SDK reads it from there in Lambda mode).
  if (tracingConfig().newTracePerInvocation) setTraceHeader(incoming ?? newTraceHeader().header);
  return AWSXRay.getNamespace().runAndReturn(fn);
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

/** Wraps an AWS SDK v3 client so each call becomes a subsegment of the current span. */
export function captureClient<T extends object>(client: T): T {
  return AWSXRay.captureAWSv3Client(client as Parameters<typeof AWSXRay.captureAWSv3Client>[0]) as T;
}

export interface SqlTarget {
  database: string;
  host: string;
  port: number;
  user: string;
}

/**
 * Opens an `sql` subsegment for one query under the current span: the parameterised text is recorded,
 * parameter values never are. Named `database@host`, as X-Ray's own SQL subsegments are.
 */
export function startSqlSpan(target: SqlTarget, text: string): Span {
  const span = currentSpan().child(`${target.database}@${target.host}`);
  if (span instanceof XraySpan) {
    guard(() => {
      span.subsegment.namespace = 'remote';
      span.subsegment.addSqlData({
        url: `postgresql://${target.host}:${target.port}/${target.database}`,
        user: target.user,
        database_type: 'PostgreSQL',
        sanitized_query: text,
      });
    });
  }
  return span;
}
