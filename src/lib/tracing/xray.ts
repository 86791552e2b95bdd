/**
 * The X-Ray SDK backend (the default): the SDK's Lambda facade segment, its cls-hooked context, its AWS SDK v3
 * client middleware and its fetch patch. The only file that loads aws-xray-sdk-core.
 *
 * Where there is no segment (outside Lambda, tracing off) every span is a no-op: no error, no log line.
 */
import AWSXRay from 'aws-xray-sdk-core';
import { captureFetchGlobal } from 'aws-xray-sdk-fetch';
import { tracingConfig } from '../config.ts';
import {
  type AnnotationValue,
  type Budget,
  type Flags,
  giveInvocationTraceHeader,
  guard,
  noopSpan,
  RecordingSpan,
  type Span,
  type SqlTarget,
  type TracingBackend,
  unsampledTraceHeader,
} from './common.ts';
import { DaemonSender, MAX_DOCUMENT_BYTES } from './daemon.ts';

type XraySubsegment = AWSXRay.Subsegment;

// The SDK's own setting: outside Lambda there is no segment, and it would log an error for every traced client call.
AWSXRay.setContextMissingStrategy(() => {});

/**
 * In Lambda the SDK sends every subsegment as its own datagram when it closes (streaming threshold 0), each on a new
 * socket: 55 datagrams for a dialer batch of 10. Here nothing streams on its own; an invocation's root sends its whole
 * tree as one document when it closes (sendTree), and a span closed after that goes alone.
 */
AWSXRay.SegmentUtils.setStreamingThreshold(2 ** 30);
/** The documents go to the daemon on one socket, as the OpenTelemetry backend's do (the SDK opens one per send). */
const daemon = new DaemonSender(() => tracingConfig().daemonAddress);

/**
 * Sends a closed subsegment with its closed children nested: as one document when it fits a datagram, otherwise each
 * closed child's subtree first (the same way), then the rest. `format()` is the SDK's own document of it.
 */
function sendTree(sub: XraySubsegment): void {
  const document = sub.format();
  const children = sub.subsegments ?? [];
  if (children.length === 0 || Buffer.byteLength(document) <= MAX_DOCUMENT_BYTES) {
    daemon.send([document]);
    return;
  }
  for (const child of [...children]) {
    if (!child.isClosed()) continue;
    sendTree(child);
    sub.removeSubsegment(child);
  }
  daemon.send([sub.format()]);
}

/** What the spans of one invocation share: the annotations used, and whether its document went out. */
interface Invocation extends Budget {
  sent: boolean;
}

let fetchTraced = false;

const invocations = new WeakMap<object, Invocation>();

class XraySpan extends RecordingSpan {
  readonly #sub: XraySubsegment;
  readonly #invocation: Invocation;
  readonly #root: boolean;

  constructor(sub: XraySubsegment, invocation: Invocation, root = false) {
    super(invocation);
    this.#sub = sub;
    this.#invocation = invocation;
    this.#root = root;
    invocations.set(sub, invocation);
  }

  get subsegment(): XraySubsegment {
    return this.#sub;
  }

  protected writeAnnotation(key: string, value: AnnotationValue): void {
    this.#sub.addAnnotation(key, value);
  }

  protected writeMetadata(namespace: string, key: string, value: unknown): void {
    this.#sub.addMetadata(key, value, namespace);
  }

  protected writeFlags(flags: Flags): void {
    if (flags.throttle) this.#sub.addThrottleFlag();
    if (flags.error) this.#sub.addErrorFlag();
    if (flags.fault) this.#sub.addFaultFlag();
  }

  protected writeError(error: Error, statusCode: number): void {
    this.#sub.addError(error);
    // addError always sets fault; a client error is an `error`, a throttle a `throttle` (writeFlags, next).
    if (statusCode < 500) delete (this.#sub as { fault?: boolean }).fault;
  }

  child(name: string): Span {
    try {
      return new XraySpan(this.#sub.addNewSubsegment(name), this.#invocation);
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

  protected end(): void {
    this.#sub.close();
    // The root sends the invocation's tree; a span that closes after it goes alone.
    if (!this.#root && !this.#invocation.sent) return;
    if (this.#root) this.#invocation.sent = true;
    sendTree(this.#sub);
    (this.#sub.parent as XraySubsegment | AWSXRay.Segment | undefined)?.removeSubsegment(this.#sub);
  }
}

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

function currentSpan(): Span {
  const active = currentSubsegment();
  if (active === undefined || active.segment?.notTraced) return noopSpan;
  return new XraySpan(active, invocations.get(active) ?? { used: 0, sent: false });
}

export const xrayBackend: TracingBackend = {
  currentSpan,

  currentTraceHeader() {
    const active = currentSubsegment();
    if (active !== undefined && !active.segment?.notTraced) {
      const traceId = active.segment?.trace_id;
      return traceId ? `Root=${traceId};Parent=${active.id};Sampled=1` : undefined;
    }
    return unsampledTraceHeader();
  },

  startInvocationSpan(name) {
    const parent = invocationSegment();
    if (parent === undefined || (parent as { notTraced?: boolean }).notTraced) return noopSpan;
    try {
      const sub = parent.addNewSubsegment(name);
      AWSXRay.setSegment(sub);
      return new XraySpan(sub, { used: 0, sent: false }, true);
    } catch {
      return noopSpan;
    }
  },

  // The SDK keeps the current segment in a cls-hooked context; two invocations in one process (tests, local
  // emulators, concurrent runtimes) would otherwise nest into each other.
  runInOwnTraceContext(fn, incoming) {
    // Where the Lambda runtime would put it: the SDK reads it from there.
    giveInvocationTraceHeader(incoming);
    return AWSXRay.getNamespace().runAndReturn(fn);
  },

  captureClient(client) {
    return AWSXRay.captureAWSv3Client(
      client as Parameters<typeof AWSXRay.captureAWSv3Client>[0],
    ) as typeof client;
  },

  startSqlSpan(target: SqlTarget, text: string) {
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
  },

  // node:http/https are not patched: the AWS SDK uses them, and its calls are traced as AWS subsegments already.
  traceOutboundFetch() {
    if (fetchTraced) return;
    fetchTraced = true;
    captureFetchGlobal(true);
  },

  // The daemon's datagrams are sent as each segment closes: nothing to wait for.
  awaitsExport() {
    return false;
  },

  flush() {
    return Promise.resolve();
  },
};

export default xrayBackend;
