/**
 * `npm run bench` (`-- --quick` for a smaller run): every figure against a baseline measured in the same run (this
 * machine is noisy: compare ratios), written to bench/results/latest.json, appended to bench/results/results.ndjson,
 * and printed as a table with the targets.
 * 1. middleware: the project's chain with each tracing backend and Powertools' Tracer, against bare Middy
 *    (bench/tracing.ts, bench/tracingChild.ts);
 * 2. coldStart: each function's bundle per backend against its SDK clients' floor (bench/coldStart.ts);
 * 3. traceVolume and 6. dialer: per backend, on an embedded stack each (bench/dialer.ts, bench/dialerChild.ts);
 * 4. import: a 100,000-row and a 1,000,000-row CSV through importWorker (bench/imports.ts);
 * 5. scheduler: one tick over 100,000 and 1,000,000 contacts, never analysed and analysed, and the first tick of a
 *    large campaign loaded and started (bench/scheduler.ts); the minute's tick over 1, 100 and 1,000 campaigns,
 *    fanned out to parallel tickers (bench/schedulerFanOut.ts); then the metrics route on a campaign as large with
 *    1.5 attempts per contact, against counting from the attempts, and the activity triggers' cost to a writer
 *    (bench/metrics.ts);
 * 7. endToEnd: a campaign from start to `completed` through the telephony simulator (bench/endToEndChild.ts);
 * 8. bestTime: pairs of campaigns in simulated days, one ordered and held by the answer model, one not, in two
 *    scenarios (bench/bestTime.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openBenchStack } from './benchStack.ts';
import { measureBestTime } from './bestTime.ts';
import { measureColdStart } from './coldStart.ts';
import { measureDialer } from './dialer.ts';
import { measureImports } from './imports.ts';
import { measureMetrics } from './metrics.ts';
import { measureScheduler } from './scheduler.ts';
import { measureSchedulerFanOut } from './schedulerFanOut.ts';
import { measureTracing } from './tracing.ts';

const ROOT = join(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const started = Date.now();
const log = (part: string) =>
  console.error(`bench: ${part} (${Math.round((Date.now() - started) / 1000)} s)`);

log('middleware and tracing imports');
const tracing = await measureTracing(quick ? { invocations: 500, rounds: 6, repeats: 1, imports: 5 } : {});
log('coldStart');
const coldStart = await measureColdStart({ processes: quick ? 3 : 10 });
log('traceVolume and dialer');
const dialer = await measureDialer(quick ? { tasks: 1_000, rounds: 3 } : {});

log('import and scheduler');
// The scheduler service runs in this process, configured as the functions are.
const { stack, db, close } = await openBenchStack();
const sizes = quick ? { small: 10_000, large: 100_000 } : { small: 100_000, large: 1_000_000 };
const scheduler = await measureScheduler(stack, db, sizes);
log('schedulerFanOut');
const schedulerFanOut = await measureSchedulerFanOut(stack, db, quick ? [1, 10, 100] : [1, 100, 1_000]);
log('metrics');
const metrics = await measureMetrics(db, { contacts: sizes.large, attempts: sizes.large * 1.5 });
const imports = await measureImports(stack, sizes);
await close();

log('bestTime');
const bestTimeOptions = quick ? { contacts: 2_000 } : {};
const bestTime = {
  reminders: measureBestTime({ ...bestTimeOptions, scenario: 'reminders' }),
  backlog: measureBestTime({ ...bestTimeOptions, scenario: 'backlog' }),
};

log('endToEnd');
const { stdout } = await promisify(execFile)(
  process.execPath,
  [join(ROOT, 'bench', 'endToEndChild.ts'), String(quick ? 1_000 : 10_000)],
  { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
);
const endToEnd = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');

interface Target {
  name: string;
  target: string;
  value: number | null;
  met: boolean;
}
const target = (
  name: string,
  value: number | undefined | null,
  limit: number,
  at: 'max' | 'min',
): Target => ({
  name,
  target: `${at === 'max' ? '<=' : '>='} ${limit}`,
  value: value ?? null,
  met: value !== undefined && value !== null && (at === 'max' ? value <= limit : value >= limit),
});
const mw = tracing.middleware;
interface Tick {
  tickMs: number;
  released: number;
  dueQuery: { rowsRead: number };
}
const largeTick = (scheduler as unknown as { large: { fresh: Tick; analysed: Tick } }).large;
const startedTick = (scheduler as unknown as { started: Tick }).started;
const analysedPlan = largeTick.analysed.dueQuery;
const released = largeTick.analysed.released;
const tv = dialer.traceVolume as Record<string, Record<string, number>>;
interface DialerRun {
  batched: { perBatch: Record<string, number> };
  batchedOverPerTask: number;
  batchedOverFloor: number;
  batchedOverOwnStatements: number;
}
const dl = dialer.dialer as unknown as DialerRun & { openTelemetry: DialerRun };
interface ResultsRun {
  batched: { perBatch: Record<string, number> };
  batchedOverPrevious: number;
  batchedOverFloor: number;
}
const rs = dialer.results as unknown as ResultsRun & { openTelemetry: ResultsRun };
/** The dialer's and the results' runs of each backend, under the label their targets carry. */
const backends = [
  ['X-Ray SDK', dl, rs],
  ['OpenTelemetry', dl.openTelemetry, rs.openTelemetry],
] as const;
const targets: Target[] = [
  target('middleware: X-Ray SDK sampled / Powertools', mw.ratiosToPowertools.xraySampled, 1.0, 'max'),
  target(
    'middleware: OpenTelemetry sampled / Powertools',
    mw.ratiosToPowertools.openTelemetrySampled,
    0.5,
    'max',
  ),
  target('middleware: X-Ray SDK unsampled / Powertools', mw.ratiosToPowertools.xrayUnsampled, 0.6, 'max'),
  target(
    'middleware: OpenTelemetry unsampled / Powertools',
    mw.ratiosToPowertools.openTelemetryUnsampled,
    0.6,
    'max',
  ),
  // The functions that hold an SDK client against those clients alone; the others against an empty handler in the
  // project's chain.
  target('coldStart: worst function / its SDK floor, X-Ray SDK', coldStart.worstRatio.xray, 1.5, 'max'),
  target(
    'coldStart: worst function / its SDK floor, OpenTelemetry',
    coldStart.worstRatio.opentelemetry,
    1.3,
    'max',
  ),
  ...(['xray', 'opentelemetry'] as const).map((backend) =>
    target(
      `coldStart: worst function without SDK clients, ms over the empty handler, ${backend}`,
      coldStart.worstOverMiddlewareFloorMs[backend],
      60,
      'max',
    ),
  ),
  target(
    'traceVolume: datagrams per sampled batch of 10, X-Ray SDK',
    tv.xray?.datagramsPerSampledBatch,
    12,
    'max',
  ),
  target(
    'traceVolume: datagrams per sampled batch, OpenTelemetry',
    tv.opentelemetry?.datagramsPerSampledBatch,
    12,
    'max',
  ),
  target('traceVolume: sampled / unsampled batch, X-Ray SDK', tv.xray?.sampledOverUnsampled, 1.1, 'max'),
  target(
    'traceVolume: sampled / unsampled batch, OpenTelemetry',
    tv.opentelemetry?.sampledOverUnsampled,
    1.1,
    'max',
  ),
  target(
    'import: rows/s, the large file',
    (imports.large as { rowsPerSecond: number }).rowsPerSecond,
    10_000,
    'min',
  ),
  target('import: peak RSS, large / small file', imports.rssRatio, 1.2, 'max'),
  target('scheduler: tick, large / small campaign (analysed)', scheduler.tickRatio, 1.2, 'max'),
  target(
    'scheduler: tick with the answer model / without (large)',
    (scheduler as unknown as { withModel: { ratio: number } }).withModel.ratio,
    1.2,
    'max',
  ),
  target(
    'scheduler: rows read / released (large, analysed)',
    released ? analysedPlan.rowsRead / released : null,
    2,
    'max',
  ),
  target(
    'scheduler: first tick after a load and start / analysed (large)',
    startedTick.tickMs / largeTick.analysed.tickMs,
    2,
    'max',
  ),
  target(
    'schedulerFanOut: the largest run ticked within the minute (s)',
    Number(((schedulerFanOut.runs.at(-1)?.minuteMs as number) / 1000).toFixed(1)),
    60,
    'max',
  ),
  target(
    'schedulerFanOut: cost per campaign, largest / second largest run',
    schedulerFanOut.perCampaignRatio,
    1.2,
    'max',
  ),
  target(
    'schedulerFanOut: 10,000 campaigns at 20 tickers, on paper (s)',
    schedulerFanOut.tenThousand.minuteS,
    60,
    'max',
  ),
  target('dialer: DynamoDB requests per batch', dl.batched.perBatch.dynamodb, 1, 'max'),
  target('dialer: SQS requests per batch', dl.batched.perBatch.sqs, 1, 'max'),
  target('dialer: statements per batch', dl.batched.perBatch.statements, 3, 'max'),
  target('dialer: batched / per task', dl.batchedOverPerTask, 5, 'min'),
  target('results: statements per batch of 10', rs.batched.perBatch.statements, 5, 'max'),
  ...backends.flatMap(([label, dialerRun, resultsRun]) => [
    target(`dialer: batched / I/O floor, ${label}`, dialerRun.batchedOverFloor, 1.3, 'max'),
    target(
      `dialer: batched / its statements sent bare, ${label}`,
      dialerRun.batchedOverOwnStatements,
      1.3,
      'max',
    ),
    target(`results: batched / previous design, ${label}`, resultsRun.batchedOverPrevious, 3, 'min'),
    target(`results: batched / its statements sent bare, ${label}`, resultsRun.batchedOverFloor, 1.5, 'max'),
  ]),
  target(
    'bestTime: relative contact rate per call, model / control',
    bestTime.reminders.relativeContactRate,
    0.15,
    'min',
  ),
  target('bestTime: finish time, model / control', bestTime.reminders.finishRatio, 1.1, 'max'),
  target('bestTime: finish time in a backlog, model / control', bestTime.backlog.finishRatio, 1.1, 'max'),
  target(
    'bestTime: contacts unreached short of attempts (model arm, both scenarios)',
    bestTime.reminders.arms.model.unreachedShortOfAttempts +
      bestTime.backlog.arms.model.unreachedShortOfAttempts,
    0,
    'max',
  ),
  target(
    'bestTime: calls outside any rule',
    bestTime.reminders.violations + bestTime.backlog.violations,
    0,
    'max',
  ),
  target('metrics: the route, last 24 h of the large campaign, p95 ms', metrics.dayMs.p95, 100, 'max'),
  target('bestTime: inference ms per 1,000 contacts scored', bestTime.reminders.inferenceMsPer1000, 5, 'max'),
];

const result = {
  date: new Date().toISOString(),
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
  node: process.version,
  quick,
  seconds: Math.round((Date.now() - started) / 1000),
  targets,
  middleware: mw,
  tracingImport: tracing.import,
  coldStart,
  traceVolume: dialer.traceVolume,
  dialer: dialer.dialer,
  results: dialer.results,
  import: imports,
  scheduler,
  schedulerFanOut,
  metrics,
  endToEnd,
  bestTime,
};
const dir = join(import.meta.dirname, 'results');
await mkdir(dir, { recursive: true });
// A quick run is for trying things: it does not replace the committed figures.
if (!quick) await writeFile(join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
await appendFile(join(dir, 'results.ndjson'), `${JSON.stringify(result)}\n`);
console.log('| Target | Value | Met |\n| --- | --- | --- |');
for (const row of targets)
  console.log(
    `| ${row.name} (${row.target}) | ${row.value === null ? '-' : Number(row.value.toFixed(2))} | ${row.met ? 'yes' : 'no'} |`,
  );
console.log(
  `\nendToEnd: ${endToEnd.contacts} contacts, ${endToEnd.contactsPerSecond} contacts/s, per contact: ` +
    `${endToEnd.requestsPerContact?.sqs} SQS, ${endToEnd.requestsPerContact?.dynamodb} DynamoDB, ` +
    `${endToEnd.requestsPerContact?.postgresStatements} SQL statements`,
);
process.exit(0);
