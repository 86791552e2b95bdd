/**
 * X-Ray's rules for segment documents (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html),
 * checked on a document as it was sent: what the daemon and the X-Ray API refuse or silently drop.
 */

const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
// Unicode letters, numbers and whitespace, and _ . : / % & # = + \ - @
const NAME = /^[\p{L}\p{N}\s_.:/%&#=+\\\-@]{1,200}$/u;
const ANNOTATION_KEY = /^[A-Za-z0-9_]+$/;
const SQL_FIELDS = new Set([
  'connection_string',
  'url',
  'sanitized_query',
  'database_type',
  'database_version',
  'driver_version',
  'user',
  'preparation',
]);
export const MAX_DOCUMENT_BYTES = 64 * 1024;

type Doc = Record<string, unknown>;

function checkEntity(doc: Doc, path: string, top: boolean, problems: string[]): void {
  const problem = (text: string) => problems.push(`${path}: ${text}`);
  if (typeof doc.name !== 'string' || !NAME.test(doc.name)) problem(`name ${JSON.stringify(doc.name)}`);
  if (typeof doc.id !== 'string' || !HEX16.test(doc.id)) problem(`id ${JSON.stringify(doc.id)}`);
  if (typeof doc.start_time !== 'number') problem('start_time is not a number');
  if (doc.in_progress !== true) {
    if (typeof doc.end_time !== 'number') problem('neither end_time nor in_progress');
    else if ((doc.end_time as number) < (doc.start_time as number)) problem('ends before it starts');
  }
  if (top) {
    if (typeof doc.trace_id !== 'string' || !TRACE_ID.test(doc.trace_id)) problem(`trace_id ${doc.trace_id}`);
    if (doc.type === 'subsegment' && (typeof doc.parent_id !== 'string' || !HEX16.test(doc.parent_id)))
      problem('a subsegment sent alone without its parent_id');
    if (doc.type !== 'subsegment' && doc.parent_id === undefined && doc.origin === undefined)
      problem('a top-level document that is neither a subsegment nor a segment with an origin');
  }
  for (const flag of ['error', 'fault', 'throttle', 'in_progress'])
    if (doc[flag] !== undefined && typeof doc[flag] !== 'boolean') problem(`${flag} is not a boolean`);
  if (doc.namespace !== undefined && doc.namespace !== 'aws' && doc.namespace !== 'remote')
    problem(`namespace ${JSON.stringify(doc.namespace)}`);
  for (const [key, value] of Object.entries((doc.annotations as Doc | undefined) ?? {})) {
    if (!ANNOTATION_KEY.test(key)) problem(`annotation key ${key}`);
    if (!['string', 'number', 'boolean'].includes(typeof value))
      problem(`annotation ${key} is ${typeof value}`);
  }
  for (const [namespace, values] of Object.entries((doc.metadata as Doc | undefined) ?? {})) {
    if (namespace.startsWith('AWS.')) problem(`metadata namespace ${namespace} is AWS's`);
    if (typeof values !== 'object' || values === null) problem(`metadata ${namespace} is not an object`);
  }
  for (const key of Object.keys((doc.sql as Doc | undefined) ?? {}))
    if (!SQL_FIELDS.has(key)) problem(`sql field ${key}`);
  const cause = doc.cause as Doc | string | undefined;
  if (typeof cause === 'string' && !HEX16.test(cause)) problem('cause id');
  if (typeof cause === 'object') {
    const exceptions = cause.exceptions as Doc[] | undefined;
    if (cause.id === undefined && !Array.isArray(exceptions)) problem('cause without exceptions');
    for (const exception of exceptions ?? []) {
      if (typeof exception.message !== 'string') problem('exception without a message');
      for (const frame of (exception.stack as Doc[] | undefined) ?? [])
        if (typeof frame.path !== 'string') problem('stack frame without a path');
    }
  }
  const subsegments = doc.subsegments as Doc[] | undefined;
  if (subsegments !== undefined && !Array.isArray(subsegments)) problem('subsegments is not a list');
  for (const [index, child] of (subsegments ?? []).entries())
    checkEntity(child, `${path}.subsegments[${index}](${String(child.name)})`, false, problems);
}

/** What is wrong with one document as sent (its JSON text): nothing when it keeps every rule. */
export function segmentDocumentProblems(text: string): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) problems.push(`${Buffer.byteLength(text)} bytes`);
  let doc: Doc;
  try {
    doc = JSON.parse(text) as Doc;
  } catch {
    return [...problems, 'not JSON'];
  }
  checkEntity(doc, String(doc.name), true, problems);
  return problems;
}
