/**
 * The two tracing backends record the same traces: the same invocations (tests/helpers/tracingParityRun.ts: HTTP
 * answers 201, 400 and 404, a do-not-call write, dialer batches with a listed number, a poison message and a
 * throttled dependency, a scheduler tick, call results, an unsampled invocation), each run on an embedded stack of
 * its own by a process built for one backend, and the documents the daemon received compared: names, parents,
 * annotation keys and values, flags, metadata keys, exceptions, SQL and AWS operations (ids and times aside).
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { segmentDocumentProblems } from '../helpers/segmentRules.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FUNCTION_NAMES = new Set(
  readdirSync(join(ROOT, 'src', 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.replace(/\.ts$/, '')),
);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

interface Run {
  /** Each document as the daemon received it. */
  documents: string[];
  unsampled: string;
}

const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-parity-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function runWith(backend: 'xray' | 'opentelemetry'): Promise<Run> {
  const file = join(dir, `${backend}.json`);
  const conditions = backend === 'opentelemetry' ? ['--conditions=tracing-opentelemetry'] : [];
  await promisify(execFile)(
    process.execPath,
    [...conditions, join(ROOT, 'tests', 'helpers', 'tracingParityRun.ts'), file],
    // Node runs the TypeScript itself; Jest's flags are not for it.
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(await readFile(file, 'utf8')) as Run;
}

const [xray, openTelemetry] = await Promise.all([runWith('xray'), runWith('opentelemetry')]);

type Doc = Record<string, unknown> & { id: string; name: string; subsegments?: Doc[] };

/** Every entity of the documents, nested ones included, with its parent's id. */
function entities(run: Run): Array<{ doc: Doc; parentId: string | undefined; traceId: string }> {
  const out: Array<{ doc: Doc; parentId: string | undefined; traceId: string }> = [];
  const walk = (doc: Doc, parentId: string | undefined, traceId: string) => {
    out.push({ doc, parentId, traceId });
    for (const child of doc.subsegments ?? []) walk(child, doc.id, traceId);
  };
  for (const text of run.documents) {
    const doc = JSON.parse(text) as Doc;
    walk(doc, doc.parent_id as string | undefined, doc.trace_id as string);
  }
  return out;
}

/** What the two backends must agree on, for one span and its subtree; children in a fixed order. */
function canonical(doc: Doc, children: Map<string, Doc[]>): unknown {
  const metadata = (doc.metadata ?? {}) as Record<string, Record<string, unknown>>;
  const cause = doc.cause as { exceptions?: Array<{ type?: string; message?: string }> } | undefined;
  const aws = doc.aws as { operation?: string } | undefined;
  const sql = doc.sql as { sanitized_query?: string; database_type?: string } | undefined;
  const subtree = (children.get(doc.id) ?? [])
    .filter((child) => !FUNCTION_NAMES.has(child.name))
    .map((child) => canonical(child, children))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    name: doc.name,
    namespace: doc.namespace,
    flags: { error: doc.error === true, fault: doc.fault === true, throttle: doc.throttle === true },
    annotations: JSON.parse(JSON.stringify(doc.annotations ?? {}).replace(UUID, '<uuid>')),
    metadataKeys: Object.fromEntries(
      Object.entries(metadata).map(([namespace, values]) => [namespace, Object.keys(values).sort()]),
    ),
    exceptions: (cause?.exceptions ?? []).map(({ type, message }) => ({ type, message })),
    aws: aws?.operation,
    sql: sql === undefined ? undefined : { query: sql.sanitized_query, type: sql.database_type },
    ...(subtree.length > 0 ? { subsegments: subtree } : {}),
  };
}

/** Each invocation's tree (under its function's root span), in a fixed order. */
function invocations(run: Run): unknown[] {
  const all = entities(run);
  const children = new Map<string, Doc[]>();
  for (const { doc, parentId } of all) {
    if (parentId === undefined) continue;
    children.set(parentId, [...(children.get(parentId) ?? []), doc]);
  }
  return all
    .filter(({ doc }) => FUNCTION_NAMES.has(doc.name))
    .map(({ doc }) => canonical(doc, children))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('tracing backends', () => {
  it('record the same invocations the same way: names, parents, annotations, flags, metadata keys', () => {
    // Assess: a diff here names the span and field where the backends part.
    const expected = invocations(xray);
    expect(expected).toHaveLength(9);
    expect(invocations(openTelemetry)).toEqual(expected);
  });

  it.each([
    ['xray', xray],
    ['opentelemetry', openTelemetry],
  ])('%s: every document keeps X-Ray segment-document rules', (_, run) => {
    const problems = run.documents.flatMap((text) => segmentDocumentProblems(text));
    expect(problems).toEqual([]);
    expect(run.documents.length).toBeGreaterThan(0);
  });

  it('send nothing for an unsampled invocation, with either backend', () => {
    for (const run of [xray, openTelemetry]) {
      expect(entities(run).filter(({ traceId }) => traceId === run.unsampled)).toEqual([]);
    }
  });

  it.each([
    ['xray', xray],
    ['opentelemetry', openTelemetry],
  ])('%s: sends each invocation as one document, its whole tree nested', (_, run) => {
    // Assess: 9 invocations (the tick is the scheduler's and a campaign ticker's), 9 datagrams; the first dialer batch (its root, 4 tasks with 19 spans, the rejected
    // message, 4 SQL statements (the claim's three, the rejection's record), a DynamoDB and an SQS call: 27 spans) is
    // one of them.
    expect(run.documents).toHaveLength(9);
    const [batch] = run.documents
      .map((text) => JSON.parse(text) as Doc)
      .filter((doc) => doc.name === 'dialerWorker' && !doc.fault);
    const count = (doc: Doc): number =>
      1 + (doc.subsegments ?? []).reduce((sum, child) => sum + count(child), 0);
    expect(count(batch as Doc)).toBe(27);
  });
});
