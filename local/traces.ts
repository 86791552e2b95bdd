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
import { tracesPage } from './traceView.ts';

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
  await writeFile(values.html, tracesPage(traces));
  console.log(`Wrote ${traces.length} traces to ${values.html}`);
}
