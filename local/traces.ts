/**
 * `npm run traces -- [--campaign ID] [--user ID] [--errors] [--function NAME] [--limit N] [--html FILE]`:
 * the recent local traces as waterfalls in the terminal, and optionally as a self-contained HTML page.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SEGMENTS_FILE } from './paths.ts';
import {
  buildTraces,
  duration,
  filterTraces,
  flatten,
  idleTick,
  keyFacts,
  marks,
  parseDocuments,
  type Trace,
  timelineLine,
} from './traceModel.ts';

const BAR_WIDTH = 40;
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);

function bar(trace: Trace, start: number, end: number): string {
  const span = Math.max(trace.end - trace.start, 1e-6);
  const from = Math.min(BAR_WIDTH - 1, Math.floor(((start - trace.start) / span) * BAR_WIDTH));
  const length = Math.max(1, Math.round(((end - start) / span) * BAR_WIDTH));
  return `${' '.repeat(from)}${'█'.repeat(Math.min(length, BAR_WIDTH - from))}`.padEnd(BAR_WIDTH);
}

function printTrace(trace: Trace): void {
  const total = duration(trace.start, trace.end);
  console.log(paint('1', `${trace.id}  ${new Date(trace.start * 1000).toISOString()}  ${total}`));
  for (const { doc, depth } of flatten(trace)) {
    const ms = duration(doc.start_time, doc.end_time ?? doc.start_time).padStart(11);
    const name = `${'  '.repeat(depth)}${doc.name}`.slice(0, 34).padEnd(34);
    const flags = marks(doc);
    const line = `${name} ${ms} |${bar(trace, doc.start_time, doc.end_time ?? doc.start_time)}| ${keyFacts(doc)}`;
    const flagged = flags.length > 0 ? `${line} ${flags.map((flag) => `[${flag}]`).join(' ')}` : line;
    console.log(
      flags.includes('fault') ? paint('31', flagged) : flags.length > 0 ? paint('33', flagged) : flagged,
    );
  }
  console.log('');
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function html(traces: Trace[]): string {
  const sections = traces.map((trace) => {
    const span = Math.max(trace.end - trace.start, 1e-6);
    const rows = flatten(trace).map(({ doc, depth }) => {
      const end = doc.end_time ?? doc.start_time;
      const left = (((doc.start_time - trace.start) / span) * 100).toFixed(2);
      const width = Math.max(0.3, ((end - doc.start_time) / span) * 100).toFixed(2);
      const flags = marks(doc);
      const kind = flags.includes('fault') ? 'fault' : flags.length > 0 ? 'error' : 'ok';
      return `<tr class="${kind}"><td style="padding-left:${depth * 16 + 4}px">${escapeHtml(doc.name)}</td>
<td class="ms">${duration(doc.start_time, end)}</td>
<td class="lane"><div class="bar" style="left:${left}%;width:${width}%"></div></td>
<td>${escapeHtml(keyFacts(doc))} ${flags.map((flag) => `<b>${flag}</b>`).join(' ')}</td></tr>`;
    });
    const title = `${trace.id} · ${new Date(trace.start * 1000).toISOString()} · ${duration(trace.start, trace.end)}`;
    return `<h2>${escapeHtml(title)}</h2><table>${rows.join('\n')}</table>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>Local traces</title><style>
body{font:13px system-ui,sans-serif;margin:24px;color:#222}h2{font-size:14px;margin:24px 0 6px}
table{border-collapse:collapse;width:100%}td{padding:2px 6px;border-bottom:1px solid #eee;white-space:nowrap}
td.ms{text-align:right;color:#555}td.lane{width:40%;position:relative}
.bar{position:absolute;top:4px;height:10px;background:#4a90d9;border-radius:2px}
tr.error .bar{background:#e0a800}tr.fault .bar{background:#d9534f}b{color:#d9534f}
</style></head><body><h1>Local traces (${traces.length})</h1>${sections.join('\n')}</body></html>\n`;
}

const USAGE = `Usage: npm run traces -- [options]

Shows the recent local traces (kept by \`npm start\` in ${SEGMENTS_FILE}) as waterfalls, newest last.

Options:
  --campaign ID     only traces annotated with this campaignId
  --user ID         only traces annotated with this userId
  --function NAME   only traces of this function (dialerWorker, startCampaign, ...)
  --errors          only traces with an error, fault or throttle
  --limit N         at most N traces (default 10)
  --timeline        one line per trace, oldest first: when, which functions (a tick and the dials it released share
                    one trace), how long, and its marks; with --campaign, the campaign's run at a glance
  --html FILE       also write them to FILE as a web page (traces*.html is git-ignored)
  --help            this text`;

/** Refuses the command line with a message and exit code 2 (a usage error, as shells mean it). */
function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: ReturnType<typeof parse>['values'];
function parse() {
  return parseArgs({
    options: {
      campaign: { type: 'string' },
      user: { type: 'string' },
      errors: { type: 'boolean', default: false },
      function: { type: 'string' },
      limit: { type: 'string', default: '10' },
      html: { type: 'string' },
      timeline: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}
try {
  ({ values } = parse());
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const limit = Number(values.limit);
if (!/^\d+$/.test(values.limit) || !Number.isSafeInteger(limit) || limit < 1) {
  usageError(`--limit must be a whole number of traces, 1 or more; got "${values.limit}"`);
}
if (!existsSync(SEGMENTS_FILE)) {
  console.error(`No traces yet: ${SEGMENTS_FILE} is written by a running \`npm start\`.`);
  process.exit(1);
}
const all = buildTraces(parseDocuments(await readFile(SEGMENTS_FILE, 'utf8')));
// A timeline leaves out the ticks that released nothing (a tick a minute adds up): they would hide the rest.
const kept = values.timeline ? all.filter((trace) => !idleTick(trace)) : all;
const idle = all.length - kept.length;
const traces = filterTraces(kept, {
  campaignId: values.campaign,
  userId: values.user,
  errorsOnly: values.errors,
  functionName: values.function,
  limit,
});
if (traces.length === 0) console.log('No trace matches.');
for (const trace of [...traces].reverse()) {
  if (values.timeline) console.log(timelineLine(trace));
  else printTrace(trace);
}
if (values.timeline && idle > 0) console.log(`(${idle} ticks that released nothing left out)`);
if (values.html) {
  await writeFile(values.html, html(traces));
  console.log(`Wrote ${traces.length} traces to ${values.html}`);
}
