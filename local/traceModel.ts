/**
 * The X-Ray documents the local receiver kept, as traces: subsegments nested as X-Ray nests them, filtered as the
 * X-Ray console's filter expressions would (campaign, user, errors, function).
 */
import type { XrayDocument } from './xrayReceiver.ts';

export interface SpanNode {
  doc: XrayDocument;
  depth: number;
  children: SpanNode[];
}

export interface Trace {
  id: string;
  start: number;
  end: number;
  roots: SpanNode[];
  docs: XrayDocument[];
}

export interface TraceFilter {
  campaignId?: string;
  userId?: string;
  errorsOnly?: boolean;
  functionName?: string;
  limit?: number;
}

/** Reads NDJSON documents; a nested document's subsegments come out as documents of their own. */
export function parseDocuments(ndjson: string): XrayDocument[] {
  const docs: XrayDocument[] = [];
  const add = (doc: XrayDocument, parentId?: string, traceId?: string) => {
    const { subsegments, ...rest } = doc;
    const flat = { ...rest, parent_id: rest.parent_id ?? parentId, trace_id: rest.trace_id ?? traceId ?? '' };
    docs.push(flat);
    for (const child of subsegments ?? []) add(child, flat.id, flat.trace_id);
  };
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue;
    try {
      add(JSON.parse(line) as XrayDocument);
    } catch {
      // A torn last line while the receiver is writing: skipped.
    }
  }
  return docs;
}

export function buildTraces(docs: XrayDocument[]): Trace[] {
  const byTrace = new Map<string, XrayDocument[]>();
  for (const doc of docs) byTrace.set(doc.trace_id, [...(byTrace.get(doc.trace_id) ?? []), doc]);
  return [...byTrace.entries()].map(([id, traceDocs]) => {
    const ids = new Set(traceDocs.map((doc) => doc.id));
    const nodes = new Map(traceDocs.map((doc) => [doc.id, { doc, depth: 0, children: [] as SpanNode[] }]));
    const roots: SpanNode[] = [];
    for (const node of nodes.values()) {
      const parent =
        node.doc.parent_id && ids.has(node.doc.parent_id) ? nodes.get(node.doc.parent_id) : undefined;
      if (parent) parent.children.push(node);
      else roots.push(node);
    }
    const order = (list: SpanNode[], depth: number) => {
      list.sort((a, b) => a.doc.start_time - b.doc.start_time);
      for (const node of list) {
        node.depth = depth;
        order(node.children, depth + 1);
      }
    };
    order(roots, 0);
    const start = Math.min(...traceDocs.map((doc) => doc.start_time));
    const end = Math.max(...traceDocs.map((doc) => doc.end_time ?? doc.start_time));
    return { id, start, end, roots, docs: traceDocs };
  });
}

const failed = (doc: XrayDocument) => Boolean(doc.error || doc.fault || doc.throttle);

/** The traces that match, most recent first. */
export function filterTraces(traces: Trace[], filter: TraceFilter): Trace[] {
  return traces
    .filter((trace) => {
      const annotated = (key: string, value: string | undefined) =>
        value === undefined || trace.docs.some((doc) => doc.annotations?.[key] === value);
      return (
        annotated('campaignId', filter.campaignId) &&
        annotated('userId', filter.userId) &&
        (!filter.errorsOnly || trace.docs.some(failed)) &&
        (filter.functionName === undefined ||
          trace.roots.some((root) => root.doc.name === filter.functionName))
      );
    })
    .sort((a, b) => b.start - a.start)
    .slice(0, filter.limit ?? 10);
}

/** The subsegments of a trace in display order (depth first). */
export function flatten(trace: Trace): SpanNode[] {
  const out: SpanNode[] = [];
  const walk = (nodes: SpanNode[]) => {
    for (const node of nodes) {
      out.push(node);
      walk(node.children);
    }
  };
  walk(trace.roots);
  return out;
}

/** The annotations worth a glance, and the outcome a dialer step recorded, in one short string. */
export function keyFacts(doc: XrayDocument): string {
  const facts = Object.entries(doc.annotations ?? {})
    .filter(([key]) =>
      ['campaignId', 'contactId', 'attempt', 'userId', 'phoneHash', 'coldStart'].includes(key),
    )
    .map(([key, value]) => `${key}=${value}`);
  const outcome = doc.metadata?.default?.outcome;
  if (typeof outcome === 'string') facts.push(`outcome=${outcome}`);
  const operation = doc.aws?.operation;
  if (typeof operation === 'string') facts.push(operation);
  return facts.join(' ');
}

/** `fault`, `error`, `throttle` marks of a document. */
export function marks(doc: XrayDocument): string[] {
  return [doc.fault && 'fault', doc.error && 'error', doc.throttle && 'throttle'].filter(
    (mark): mark is string => typeof mark === 'string',
  );
}

/**
 * A span's length from its start and end (epoch seconds) as a reader wants it: `12.3 ms`, `0.42 ms` below 10 ms, and
 * `<1 ms` for a length of zero: the X-Ray SDK stamps times to the millisecond, so a shorter span starts and ends on
 * the same stamp (the OpenTelemetry backend stamps to the microsecond and shows its real length).
 */
export function duration(start: number, end: number): string {
  const ms = (end - start) * 1000;
  if (ms <= 0) return '<1 ms';
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

/**
 * One line of a campaign's timeline: when the trace began, its functions (with how many invocations each: a tick
 * and the dialer batches it released share a trace), its length and its marks.
 */
export function timelineLine(trace: Trace): string {
  const functions = new Map<string, number>();
  for (const root of trace.roots) functions.set(root.doc.name, (functions.get(root.doc.name) ?? 0) + 1);
  const names = [...functions].map(([name, n]) => (n > 1 ? `${name} x${n}` : name)).join(', ');
  const flags = [...new Set(trace.docs.flatMap(marks))].map((flag) => `[${flag}]`).join(' ');
  return `${new Date(trace.start * 1000).toISOString()}  ${names}  ${duration(trace.start, trace.end)}${flags ? ` ${flags}` : ''}`;
}

const TICK_FUNCTIONS = new Set(['scheduler', 'campaignTicker']);

/**
 * A scheduler tick that released nothing and marked nothing: a trace of a tick's own (the scheduler's fan-out and the
 * tickers of its groups), nothing else in it.
 */
export function idleTick(trace: Trace): boolean {
  if (trace.roots.length === 0 || !trace.roots.every((root) => TICK_FUNCTIONS.has(root.doc.name)))
    return false;
  if (trace.docs.some((doc) => marks(doc).length > 0)) return false;
  return trace.docs
    .filter((doc) => doc.name === 'ScheduleCampaign')
    .every((doc) => (doc.metadata?.default?.tick as { released?: number } | undefined)?.released === 0);
}
