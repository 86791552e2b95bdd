/**
 * OpenTelemetry spans as X-Ray segment documents, sent over UDP to the X-Ray daemon (in Lambda, the runtime's own).
 *
 * Why this exporter of our own and not ADOT's UDP exporter (@aws/aws-distro-opentelemetry-exporter-xray-udp, 0.0.2
 * when this was written): ADOT sends OTLP inside the datagram, which only X-Ray's OTLP ingestion reads, not the
 * segment documents the console's filter expressions, the local receiver and this project's tests read; it is built
 * on the 1.x SDK and crashes on 2.x spans unless npm overrides align it, throws from its UDP callback (a send error
 * would fail the invocation), reads the daemon address only when AWS_LAMBDA_FUNCTION_NAME is set, and doubles the
 * bundle (84 KB against 42 KB, measured on Node 24 with esbuild). The document format is small, stable and public
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html): this file is that mapping.
 *
 * The spans of one invocation go out together when its root ends, nested into one document (one datagram for a
 * batch); a tree over the datagram limit is split into subtrees, each a document of its own with its `parent_id`.
 */
import { randomBytes } from 'node:crypto';
import type { Attributes, AttributeValue, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MAX_DOCUMENT_BYTES } from './daemon.ts';

/** Attribute names the backend writes and this exporter reads. */
export const ATTR = {
  annotation: 'xray.annotation.',
  metadata: 'xray.metadata.',
  namespace: 'xray.namespace',
  error: 'xray.error',
  fault: 'xray.fault',
  throttle: 'xray.throttle',
  remoteException: 'exception.remote',
  // OpenTelemetry's semantic conventions, read into the documents' `sql`, `aws` and `http` fields.
  dbSystem: 'db.system.name',
  dbQuery: 'db.query.text',
  dbNamespace: 'db.namespace',
  dbUser: 'db.user',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  rpcMethod: 'rpc.method',
  region: 'cloud.region',
  requestId: 'aws.request_id',
  retries: 'aws.retries',
  tableName: 'aws.dynamodb.table_name',
  tableNames: 'aws.dynamodb.table_names',
  queueUrl: 'aws.sqs.queue_url',
  bucket: 'aws.s3.bucket',
  url: 'url.full',
  method: 'http.request.method',
  status: 'http.response.status_code',
  contentLength: 'http.response.body.size',
} as const;

type Document = Record<string, unknown> & { id: string; subsegments?: Document[] };

const seconds = ([whole, nanos]: [number, number]) => whole + nanos / 1e9;

/** `1-<8 hex>-<24 hex>`, X-Ray's form of an OpenTelemetry trace id made by the X-Ray id generator. */
export function xrayTraceId(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

const FRAME = /^at (?:(.+?) \()?(.+?):(\d+):\d+\)?$/;

/** The frames of a stack as X-Ray lists them: `path` (a file URL made a path), `line`, `label`. */
function frames(stack: string | undefined): Array<{ path: string; line?: number; label: string }> {
  return (stack ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .map((line) => {
      const match = FRAME.exec(line);
      if (match === null) return { path: line.slice(3), label: 'anonymous' };
      const [, label, path = '', lineNumber] = match;
      return { path: path.replace(/^file:\/\//, ''), line: Number(lineNumber), label: label ?? 'anonymous' };
    });
}

function causeOf(span: ReadableSpan): Document['cause'] {
  const exceptions = span.events
    .filter((event) => event.name === 'exception')
    .map((event) => {
      const attributes = event.attributes ?? {};
      return {
        id: randomBytes(8).toString('hex'),
        message: attributes['exception.message'],
        type: attributes['exception.type'],
        remote: attributes[ATTR.remoteException] === true,
        stack: frames(attributes['exception.stacktrace'] as string | undefined),
      };
    })
    // The latest first, as the X-Ray SDK lists them.
    .reverse();
  return exceptions.length > 0 ? { working_directory: process.cwd(), exceptions } : undefined;
}

/** The fields that have a value, or nothing when none has (an empty `sql`, `aws` or `http` is left out). */
function defined<T>(value: Record<string, T | undefined>): Record<string, T> | undefined {
  const entries = Object.entries(value).filter((entry): entry is [string, T] => entry[1] !== undefined);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** One span as a document, its children not yet attached. */
function documentOf(span: ReadableSpan): Document {
  const attributes: Attributes = span.attributes;
  const annotations: Record<string, AttributeValue> = {};
  const metadata: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (key.startsWith(ATTR.annotation)) {
      annotations[key.slice(ATTR.annotation.length)] = value;
    } else if (key.startsWith(ATTR.metadata)) {
      const [namespace = 'default', ...rest] = key.slice(ATTR.metadata.length).split('.');
      metadata[namespace] ??= {};
      (metadata[namespace] as Record<string, unknown>)[rest.join('.')] = JSON.parse(String(value));
    }
  }
  const status = attributes[ATTR.status] as number | undefined;
  const doc: Document = {
    id: span.spanContext().spanId,
    name: span.name,
    start_time: seconds(span.startTime),
    end_time: seconds(span.endTime),
    namespace: attributes[ATTR.namespace],
    error: attributes[ATTR.error] === true || undefined,
    fault: attributes[ATTR.fault] === true || undefined,
    throttle: attributes[ATTR.throttle] === true || undefined,
    annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
    cause: causeOf(span),
  };
  if (attributes[ATTR.dbSystem] !== undefined) {
    doc.sql = defined({
      url: `postgresql://${attributes[ATTR.serverAddress]}:${attributes[ATTR.serverPort]}/${attributes[ATTR.dbNamespace]}`,
      user: attributes[ATTR.dbUser],
      database_type: 'PostgreSQL',
      sanitized_query: attributes[ATTR.dbQuery],
    });
  }
  if (attributes[ATTR.rpcMethod] !== undefined) {
    doc.aws = defined({
      operation: attributes[ATTR.rpcMethod],
      region: attributes[ATTR.region],
      request_id: attributes[ATTR.requestId],
      retries: attributes[ATTR.retries],
      table_name: attributes[ATTR.tableName],
      table_names: attributes[ATTR.tableNames],
      queue_url: attributes[ATTR.queueUrl],
      bucket_name: attributes[ATTR.bucket],
    });
  }
  const request = defined({ url: attributes[ATTR.url], method: attributes[ATTR.method] });
  const response = defined({ status, content_length: attributes[ATTR.contentLength] });
  doc.http = defined({ request, response });
  // Fields left undefined are dropped when the document is serialised (JSON.stringify).
  return doc;
}

const bytes = (doc: Document) => Buffer.byteLength(JSON.stringify(doc));

/**
 * The documents for a tree, as JSON text: the whole tree in one while it fits a datagram; otherwise the root with as
 * many of its child subtrees as fit, and each of the others on its own (split the same way), naming its parent.
 */
function split(doc: Document, traceId: string, parentId: string | undefined, out: string[]): void {
  const top: Document = { ...doc, trace_id: traceId, parent_id: parentId, type: 'subsegment' };
  const text = JSON.stringify(top);
  if (top.subsegments === undefined || Buffer.byteLength(text) <= MAX_DOCUMENT_BYTES) {
    out.push(text);
    return;
  }
  const children = top.subsegments;
  delete top.subsegments;
  // The list's brackets and key, and a comma a child.
  let size = bytes(top) + 20;
  const kept: Document[] = [];
  const apart: Document[] = [];
  for (const child of children) {
    const childBytes = bytes(child) + 1;
    if (size + childBytes <= MAX_DOCUMENT_BYTES) {
      kept.push(child);
      size += childBytes;
    } else {
      apart.push(child);
    }
  }
  if (kept.length > 0) top.subsegments = kept;
  out.push(JSON.stringify(top));
  for (const child of apart) split(child, traceId, top.id, out);
}

/** The documents (JSON text) that carry `spans` (one invocation's, or spans that ended after it), trees nested. */
export function segmentDocuments(spans: readonly ReadableSpan[]): string[] {
  const docs = new Map(spans.map((span) => [span.spanContext().spanId, documentOf(span)]));
  const roots: Array<{ doc: Document; span: ReadableSpan }> = [];
  for (const span of spans) {
    const doc = docs.get(span.spanContext().spanId) as Document;
    const parent = docs.get(span.parentSpanContext?.spanId ?? '');
    if (parent === undefined) roots.push({ doc, span });
    else {
      parent.subsegments ??= [];
      parent.subsegments.push(doc);
    }
  }
  const out: string[] = [];
  for (const { doc, span } of roots)
    split(doc, xrayTraceId(span.spanContext().traceId), span.parentSpanContext?.spanId, out);
  return out;
}

interface Invocation {
  /** The spans started in it, kept in the map until it is sent (a late child still finds its parent's). */
  ids: string[];
  ended: ReadableSpan[];
  /** Set once the root has ended and the invocation's documents went out. */
  sent: boolean;
}

/** An invocation's root: its parent is the Lambda's (remote, from the trace header), or it has none. */
const isRoot = (span: ReadableSpan | SdkSpan) =>
  span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;

/**
 * Groups the spans of each invocation (the tree under a span whose parent is remote: the Lambda's trace header) and
 * sends them when its root ends. A span that ends after its root goes out on its own.
 */
export class InvocationSpanProcessor implements SpanProcessor {
  readonly #bySpan = new Map<string, Invocation>();
  readonly #send: (spans: readonly ReadableSpan[]) => void;

  /** `send`: where an invocation's ended spans go (as segment documents to the daemon, or as OTLP). */
  constructor(send: (spans: readonly ReadableSpan[]) => void) {
    this.#send = send;
  }

  onStart(span: SdkSpan, _parentContext: Context): void {
    const invocation = isRoot(span)
      ? { ids: [], ended: [], sent: false }
      : this.#bySpan.get(span.parentSpanContext?.spanId ?? '');
    // A span whose invocation was sent already (or unknown) is sent alone when it ends.
    if (invocation === undefined || invocation.sent) return;
    const id = span.spanContext().spanId;
    invocation.ids.push(id);
    this.#bySpan.set(id, invocation);
  }

  onEnd(span: ReadableSpan): void {
    const invocation = this.#bySpan.get(span.spanContext().spanId);
    if (invocation === undefined || invocation.sent) {
      this.#send([span]);
      return;
    }
    invocation.ended.push(span);
    if (!isRoot(span)) return;
    invocation.sent = true;
    for (const id of invocation.ids) this.#bySpan.delete(id);
    this.#send(invocation.ended);
    invocation.ended = [];
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
