/**
 * The tracing backends against each other and against Powertools' Tracer, in one run:
 * - per invocation (bench/tracingChild.ts): the project's chain with the X-Ray SDK backend, with the OpenTelemetry
 *   backend, and Powertools' Tracer middleware, each against bare Middy in its own process (alternating rounds),
 *   sampled and unsampled, documents sent to a UDP sink here; the processes alternate too;
 * - import: a bundle of the dialer's SDK clients alone (the floor), the same with each tracing stack, and the
 *   dialer's own bundle per backend; median import time of fresh processes.
 * `npm run bench:tracing` runs it alone; `npm run bench` runs it with the rest.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { functionBuildOptions } from '../scripts/esbuildOptions.ts';

const ROOT = join(import.meta.dirname, '..');
const OPEN_TELEMETRY = '--conditions=tracing-opentelemetry';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export interface TracingBenchOptions {
  /** Invocations per round, rounds per process, processes per stack. */
  invocations?: number;
  rounds?: number;
  repeats?: number;
  /** Fresh processes per bundle for the import times. */
  imports?: number;
}

type Stack = 'xray' | 'opentelemetry' | 'powertools';
const STACKS: Stack[] = ['xray', 'opentelemetry', 'powertools'];

/** A UDP sink standing in for the daemon: counts datagrams and bytes. */
async function startSink() {
  const socket = createSocket('udp4');
  const counts = { datagrams: 0, bytes: 0 };
  socket.on('message', (message) => {
    counts.datagrams += 1;
    counts.bytes += message.length;
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  // Bursts of datagrams must not overflow the socket's buffer: a lost datagram would be counted as never sent.
  socket.setRecvBufferSize(32 * 1024 * 1024);
  return {
    address: `127.0.0.1:${socket.address().port}`,
    take() {
      const taken = { ...counts };
      counts.datagrams = 0;
      counts.bytes = 0;
      return taken;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

interface ChildResult {
  sampled: { subjectMs: number; bareMs: number; overheadUs: number };
  unsampled: { subjectMs: number; bareMs: number; overheadUs: number };
}

async function perInvocation(options: Required<TracingBenchOptions>) {
  const sink = await startSink();
  const runs: Record<Stack, ChildResult[]> = { xray: [], opentelemetry: [], powertools: [] };
  const datagrams: Record<Stack, number[]> = { xray: [], opentelemetry: [], powertools: [] };
  try {
    for (let repeat = 0; repeat < options.repeats; repeat += 1) {
      for (const stack of STACKS) {
        const args = [
          ...(stack === 'opentelemetry' ? [OPEN_TELEMETRY] : []),
          join(ROOT, 'bench', 'tracingChild.ts'),
          stack === 'powertools' ? 'powertools' : 'project',
          sink.address,
          String(options.invocations),
          String(options.rounds),
        ];
        sink.take();
        const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT });
        // Sampled invocations: a warm-up round and the measured rounds.
        const sampledInvocations = (options.rounds + 1) * options.invocations;
        datagrams[stack].push(sink.take().datagrams / sampledInvocations);
        runs[stack].push(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildResult);
      }
    }
  } finally {
    await sink.close();
  }
  const summary = (stack: Stack) => ({
    sampledOverheadUs: round(median(runs[stack].map((run) => run.sampled.overheadUs)), 1),
    unsampledOverheadUs: round(median(runs[stack].map((run) => run.unsampled.overheadUs)), 1),
    bareMiddyUs: round(median(runs[stack].map((run) => run.sampled.bareMs * 1000)), 1),
    datagramsPerSampledInvocation: round(median(datagrams[stack]), 2),
  });
  const stacks = Object.fromEntries(STACKS.map((stack) => [stack, summary(stack)])) as Record<
    Stack,
    ReturnType<typeof summary>
  >;
  const against = (stack: Stack, kind: 'sampledOverheadUs' | 'unsampledOverheadUs') =>
    round(stacks[stack][kind] / stacks.powertools[kind]);
  return {
    invocationsPerMeasure: options.invocations * options.rounds * options.repeats,
    ...stacks,
    ratiosToPowertools: {
      xraySampled: against('xray', 'sampledOverheadUs'),
      xrayUnsampled: against('xray', 'unsampledOverheadUs'),
      openTelemetrySampled: against('opentelemetry', 'sampledOverheadUs'),
      openTelemetryUnsampled: against('opentelemetry', 'unsampledOverheadUs'),
    },
  };
}

/** The clients the dialer constructs at load: the floor every tracing stack adds to. */
const FLOOR = `
  import { SQSClient } from '@aws-sdk/client-sqs';
  import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
  import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
  export const sqs = new SQSClient({});
  export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
`;
const PROJECT = `${FLOOR}
  import middy from '@middy/core';
  import { captureClient } from './src/lib/tracing.ts';
  import { tracedChain } from './src/middleware/tracedChain.ts';
  captureClient(sqs);
  captureClient(dynamo);
  export const handler = tracedChain({ name: 'bench' }, [], async () => 'ok');
`;
const POWERTOOLS = `${FLOOR}
  import middy from '@middy/core';
  import { Tracer } from '@aws-lambda-powertools/tracer';
  import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
  const tracer = new Tracer();
  tracer.captureAWSv3Client(sqs);
  tracer.captureAWSv3Client(dynamo);
  export const handler = middy(async () => 'ok').use(captureLambdaHandler(tracer));
`;

async function bundle(
  dir: string,
  name: string,
  entry: { contents: string } | { file: string },
  otel: boolean,
) {
  const outfile = join(dir, `${name}.cjs`);
  await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts' as const } }),
    ...functionBuildOptions(otel ? ['tracing-opentelemetry'] : []),
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** Median import time (ms) of `file` over `processes` fresh Node processes. */
function importTime(file: string, processes: number): number {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(file)});
    console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const times = Array.from({ length: processes }, () => {
    const result = spawnSync(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        STAGE: 'bench',
        BLACKLIST_TABLE: 'blacklist',
        ASTERISK_CALLS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/calls',
        DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
        PHONE_HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:phone',
      },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`Loading ${file} failed:\n${result.stderr}`);
    return Number(result.stdout.trim());
  });
  return median(times);
}

async function imports(processes: number) {
  const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-bench-tracing-'));
  try {
    const dialer = { file: join(ROOT, 'src', 'functions', 'dialerWorker.ts') };
    const files = {
      floor: await bundle(dir, 'floor', { contents: FLOOR }, false),
      xray: await bundle(dir, 'xray', { contents: PROJECT }, false),
      opentelemetry: await bundle(dir, 'opentelemetry', { contents: PROJECT }, true),
      powertools: await bundle(dir, 'powertools', { contents: POWERTOOLS }, false),
      dialerWorkerXray: await bundle(dir, 'dialerWorkerXray', dialer, false),
      dialerWorkerOpenTelemetry: await bundle(dir, 'dialerWorkerOpenTelemetry', dialer, true),
    };
    // Alternate the bundles, a process each, so that drift in the machine's load spreads over all of them.
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(files).map((name) => [name, []]));
    for (let i = 0; i < processes; i += 1)
      for (const [name, file] of Object.entries(files)) times[name]?.push(importTime(file, 1));
    const out: Record<string, { kib: number; importMs: number; overFloorMs: number; ratioToFloor: number }> =
      {};
    const floorMs = median(times.floor ?? []);
    for (const [name, file] of Object.entries(files)) {
      const ms = median(times[name] ?? []);
      out[name] = {
        kib: round((await stat(file)).size / 1024, 0),
        importMs: round(ms, 1),
        overFloorMs: round(ms - floorMs, 1),
        ratioToFloor: round(ms / floorMs),
      };
    }
    return { processes, ...out };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function measureTracing(options: TracingBenchOptions = {}) {
  const settings = { invocations: 2_000, rounds: 10, repeats: 3, imports: 15, ...options };
  return {
    middleware: await perInvocation(settings),
    import: await imports(settings.imports),
  };
}

if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  const result = await measureTracing(quick ? { invocations: 500, rounds: 6, repeats: 1, imports: 5 } : {});
  console.log(JSON.stringify(result, null, 2));
}
