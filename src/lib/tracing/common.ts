/**
 * What both tracing backends share: the span interface the middleware and services use, the annotation budget, the
 * meaning of the flags, and the masking of errors. Nothing here loads a tracing library.
 */
import { setTraceHeader, traceHeader, tracingConfig } from '../config.ts';
import { statusCodeOf } from '../errors.ts';
import { redactPhoneLike } from '../redact.ts';
import { newTraceHeader } from '../traceHeader.ts';

export type AnnotationValue = string | number | boolean;

/** X-Ray indexes at most 50 annotations a trace and silently drops keys outside [A-Za-z0-9_]. */
export const MAX_ANNOTATIONS_PER_TRACE = 50;
const VALID_KEY = /^[A-Za-z0-9_]+$/;

/** The metadata namespace annotations past the budget go to. */
export const OVER_BUDGET_NAMESPACE = 'annotations_over_budget';

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
  /** Runs `fn` with this span as the current one, so SDK and SQL spans nest under it. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the span. Idempotent, and never throws: tracing cannot fail a request. */
  close(): void;
}

export interface SqlTarget {
  database: string;
  host: string;
  port: number;
  user: string;
}

/** What a backend provides; `src/lib/tracing.ts` is the only importer, and re-exports it. */
export interface TracingBackend {
  currentSpan(): Span;
  currentTraceHeader(): string | undefined;
  startInvocationSpan(name: string): Span;
  runInOwnTraceContext<T>(fn: () => Promise<T>, incoming?: string): Promise<T>;
  captureClient<T extends object>(client: T): T;
  startSqlSpan(target: SqlTarget, text: string): Span;
  traceOutboundFetch(): void;
  /** Whether an invocation must wait for its spans to be sent before it returns (the OTLP exporter's requests). */
  awaitsExport(): boolean;
  /** Waits for the spans on their way. */
  flush(): Promise<void>;
}

/** The annotations used so far in one invocation's trace. */
export interface Budget {
  used: number;
}

export function annotationKey(key: string): string {
  return VALID_KEY.test(key) ? key : key.replace(/[^A-Za-z0-9_]/g, '_');
}

export interface Flags {
  error?: true;
  fault?: true;
  throttle?: true;
}

/** X-Ray's meaning of an HTTP status: 429 throttle and error, other 4xx error, 5xx fault. */
export function flagsFor(statusCode: number): Flags {
  if (statusCode === 429) return { throttle: true, error: true };
  if (statusCode >= 400 && statusCode < 500) return { error: true };
  if (statusCode >= 500) return { fault: true };
  return {};
}

/** An Error safe to put in a trace: its type and stack frames, its message with anything number-like masked. */
export function safeError(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const safe = new Error(redactPhoneLike(source.message.split('\n')[0] ?? ''));
  safe.name = source.name;
  const frames = (source.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}

export function guard(action: () => void): void {
  try {
    action();
  } catch {
    // Tracing must never fail the work it describes.
  }
}

export const noopSpan: Span = {
  traced: false,
  annotate: () => {},
  addMetadata: () => {},
  recordError: () => {},
  markStatus: () => {},
  child: () => noopSpan,
  run: (fn) => fn(),
  close: () => {},
};

/**
 * What both backends' spans share: the trace's annotation budget (past it, an annotation becomes metadata), the
 * flags a status stands for, errors masked before they are recorded, and closing once. Every write is guarded.
 */
export abstract class RecordingSpan implements Span {
  readonly traced = true;
  readonly #budget: Budget;
  #open = true;

  constructor(budget: Budget) {
    this.#budget = budget;
  }

  /** Writes an indexed annotation (its key already safe, the budget already counted). */
  protected abstract writeAnnotation(key: string, value: AnnotationValue): void;
  protected abstract writeMetadata(namespace: string, key: string, value: unknown): void;
  protected abstract writeFlags(flags: Flags): void;
  /** Writes the (masked) exception; `statusCode` is the status it stands for. */
  protected abstract writeError(error: Error, statusCode: number): void;
  protected abstract end(): void;
  abstract child(name: string): Span;
  abstract run<T>(fn: () => Promise<T>): Promise<T>;

  annotate(key: string, value: AnnotationValue | undefined): void {
    if (value === undefined) return;
    const safeKey = annotationKey(key);
    guard(() => {
      if (this.#budget.used >= MAX_ANNOTATIONS_PER_TRACE) {
        this.writeMetadata(OVER_BUDGET_NAMESPACE, safeKey, value);
        return;
      }
      this.#budget.used += 1;
      this.writeAnnotation(safeKey, value);
    });
  }

  addMetadata(key: string, value: unknown): void {
    guard(() => this.writeMetadata('default', key, value));
  }

  recordError(error: unknown, status?: number): void {
    const statusCode = status ?? statusCodeOf(error);
    guard(() => {
      this.writeError(safeError(error), statusCode);
      this.writeFlags(flagsFor(statusCode));
    });
  }

  markStatus(statusCode: number): void {
    guard(() => this.writeFlags(flagsFor(statusCode)));
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    guard(() => this.end());
  }
}

/** The parts of an X-Ray trace header (`Root=...;Parent=...;Sampled=1`). */
export function parseTraceHeader(header: string | undefined): {
  root?: string;
  parent?: string;
  sampled?: string;
} {
  const parts: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return { root: parts.Root, parent: parts.Parent, sampled: parts.Sampled };
}

/** With no span recording: the invocation's trace, unsampled (a message sent on keeps its trace id), if it has one. */
export function unsampledTraceHeader(): string | undefined {
  const { root } = parseTraceHeader(traceHeader());
  return root ? `Root=${root};Sampled=0` : undefined;
}

/**
 * Local emulator only (see TracingConfig): it gives no trace header, so one is made per invocation (or the one its
 * messages' sender gave them), where the Lambda runtime would put it.
 */
export function giveInvocationTraceHeader(incoming: string | undefined): void {
  if (tracingConfig().newTracePerInvocation) setTraceHeader(incoming ?? newTraceHeader().header);
}
