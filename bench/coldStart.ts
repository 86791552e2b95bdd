/**
 * Cold start, per function and tracing backend: each function's bundle (esbuild with serverless.yml's options, the
 * backend's conditions) against its floor, imported in fresh Node processes with Lambda's environment set: bytes,
 * median import times, and the median of the rounds' ratios (each round loads the function and its floor one after
 * the other, so that the machine's drift over the run falls on both). The floor of a function that constructs AWS
 * SDK clients at load is a bundle of only those clients, each constructed; the floor of one that constructs none is
 * an empty handler in the project's own chain (the HTTP stack, or the bare traced chain for the authorizer), and
 * its figure is the milliseconds over it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functionBuildOptions } from '../scripts/esbuildOptions.ts';

const ROOT = join(import.meta.dirname, '..');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/**
 * Module-load configuration only: nothing is called, so none of these is reached. With Lambda's own variables, as
 * a function is loaded there (the tracing backends and the SDK take their Lambda paths at load).
 */
const ENV = {
  LAMBDA_TASK_ROOT: '/var/task',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'voice-campaign-prod-function',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  AWS_REGION: 'us-east-1',
  STAGE: 'prod',
  SERVICE_NAME: 'voice-campaign',
  BLACKLIST_TABLE: 'blacklist',
  ASTERISK_CALLS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/calls',
  DIAL_TASKS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasks',
  CAMPAIGN_TICKS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ticks',
  IMPORTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/imports',
  IMPORT_BUCKET: 'imports',
  MODEL_BUCKET: 'models',
  DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
  PHONE_HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:phone',
  AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
  AUTH_ISSUER: 'https://login.example.com/',
  AUTH_AUDIENCE: 'voice-campaign-api',
};

/** The AWS SDK clients a bundle holds, as `import` lines and constructions: the function's floor. */
const CLIENTS: Record<string, string> = {
  '@aws-sdk/client-sqs': "import { SQSClient } from '@aws-sdk/client-sqs'; new SQSClient({});",
  '@aws-sdk/client-dynamodb':
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; new DynamoDBClient({});",
  '@aws-sdk/client-s3': "import { S3Client } from '@aws-sdk/client-s3'; new S3Client({});",
  '@aws-sdk/client-secrets-manager':
    "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'; new SecretsManagerClient({});",
};

/**
 * The clients a bundle loads when it is imported: those reached from its entry by static imports. A client imported
 * on first use (`await import(...)`, as the Secrets Manager client is) is in the bundle but not loaded, and is no
 * part of the floor.
 */
function clientsLoaded(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const edge of metafile.inputs[file]?.imports ?? [])
      if (edge.kind !== 'dynamic-import' && !edge.external) queue.push(edge.path);
  }
  const loaded = [...seen];
  return Object.keys(CLIENTS).filter((name) =>
    loaded.some((input) => input.includes(`node_modules/${name}/`)),
  );
}

/**
 * An empty handler in the chain the function is built on: the HTTP stack (with the project's logger), or the traced
 * chain alone.
 */
const MIDDLEWARE_FLOORS = {
  http: `import { createLogger } from './src/lib/logger.ts';
    import { httpFunction } from './src/middleware/httpStack.ts';
    const logger = createLogger('empty');
    export const handler = httpFunction({ name: 'empty', eventSchema: () => true, jsonBody: 'optional', logger },
      async () => ({ statusCode: 204, body: '' }));`,
  chain: `import { tracedChain } from './src/middleware/tracedChain.ts';
    export const handler = tracedChain({ name: 'empty' }, [], async () => ({}));`,
};

/**
 * What a function's load is made of, layer on layer, each bundle holding the one before it: campaignPreview (an HTTP
 * function on the database with a DynamoDB client, the worst of the last runs) from its SDK floor up. A layer
 * re-exports its modules whole, so nothing of them is shaken out: a little over what the function itself holds of
 * them.
 */
const LAYERS: Array<[string, string]> = [
  ['sdk', CLIENTS['@aws-sdk/client-dynamodb'] ?? ''],
  ['tracing', "export * as tracing from './src/lib/tracing.ts';"],
  [
    'middleware',
    "export * as http from './src/middleware/httpStack.ts'; export * as logger from './src/lib/logger.ts';",
  ],
  ['database', "export * as pg from 'pg'; export * as database from './src/lib/database.ts';"],
  ['function', "export * as fn from './src/functions/campaignPreview.ts';"],
];

export interface LayerRow {
  layer: string;
  kib: number;
  importMs: number;
  /** Over the first layer (the SDK floor), the rounds' median. */
  ratio: number;
}

async function measureLayers(dir: string, processes: number): Promise<Record<string, LayerRow[]>> {
  const result: Record<string, LayerRow[]> = {};
  for (const backend of ['xray', 'opentelemetry'] as const) {
    const files: string[] = [];
    for (const [i, [layer]] of LAYERS.entries()) {
      const file = join(dir, `layer-${layer}.${backend}.cjs`);
      await build({
        ...functionBuildOptions(backend === 'opentelemetry' ? ['tracing-opentelemetry'] : []),
        stdin: {
          contents: LAYERS.slice(0, i + 1)
            .map(([, source]) => source)
            .join('\n'),
          resolveDir: ROOT,
          loader: 'ts',
        },
        outfile: file,
        logLevel: 'silent',
      });
      files.push(file);
    }
    const times = files.map((): number[] => []);
    const ratios = files.map((): number[] => []);
    for (let round = 0; round < processes; round += 1) {
      const order = round % 2 === 0 ? files.keys() : [...files.keys()].reverse();
      const ms: number[] = [];
      for (const i of order) ms[i] = importMs(files[i] ?? '');
      ms.forEach((value, i) => {
        times[i]?.push(value);
        ratios[i]?.push(value / (ms[0] ?? value));
      });
    }
    result[backend] = await Promise.all(
      LAYERS.map(async ([layer], i) => ({
        layer,
        kib: round((await stat(files[i] ?? '')).size / 1024, 0),
        importMs: round(median(times[i] ?? [])),
        ratio: round(median(ratios[i] ?? []), 2),
      })),
    );
  }
  return result;
}

/** `compileCache`: a directory of V8's compile cache for the process to read (and fill, when empty). */
function importMs(file: string, compileCache?: string): number {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(file)});
    console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const result = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH, ...ENV, ...(compileCache ? { NODE_COMPILE_CACHE: compileCache } : {}) },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`Loading ${file} failed:\n${result.stderr}`);
  return Number(result.stdout.trim());
}

export interface ColdStartRow {
  kib: number;
  importMs: number;
  /** What the floor is: the SDK clients, or the empty handler's chain (`http`, `chain`). */
  floor: string;
  floorKib: number;
  floorImportMs: number;
  /** Over the SDK floor, the rounds' median; none for a function that holds no SDK client. */
  ratio: number | null;
  /** Over the middleware floor, the rounds' median; only for a function that holds no SDK client. */
  overFloorMs: number | null;
  clients: string[];
}

export async function measureColdStart(options: { processes?: number; functions?: string[] } = {}) {
  const processes = options.processes ?? 10;
  const names =
    options.functions ??
    readdirSync(join(ROOT, 'src', 'functions'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => file.replace(/\.ts$/, ''));
  const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-bench-cold-'));
  try {
    const bundles: Array<{ key: string; file: string; floor: string; floorKind: string; clients: string[] }> =
      [];
    for (const backend of ['xray', 'opentelemetry'] as const) {
      const conditions = backend === 'opentelemetry' ? ['tracing-opentelemetry'] : [];
      for (const name of names) {
        const file = join(dir, `${name}.${backend}.cjs`);
        const { metafile } = await build({
          ...functionBuildOptions(conditions),
          entryPoints: [join(ROOT, 'src', 'functions', `${name}.ts`)],
          outfile: file,
          metafile: true,
          logLevel: 'silent',
        });
        const clients = clientsLoaded(metafile, `src/functions/${name}.ts`);
        const floorKind =
          clients.length > 0
            ? clients.map((client) => client.replace('@aws-sdk/client-', '')).join('+')
            : metafile.inputs['src/middleware/httpStack.ts']
              ? 'http'
              : 'chain';
        const floor = join(dir, `${name}.${backend}.floor.cjs`);
        await build({
          ...functionBuildOptions(conditions),
          stdin: {
            contents:
              clients.length > 0
                ? clients.map((client) => CLIENTS[client]).join('\n')
                : MIDDLEWARE_FLOORS[floorKind as keyof typeof MIDDLEWARE_FLOORS],
            resolveDir: ROOT,
            loader: 'ts',
          },
          outfile: floor,
          logLevel: 'silent',
        });
        bundles.push({ key: `${name}.${backend}`, file, floor, floorKind, clients });
      }
    }
    // Round after round, each function then its floor (the order turned every other round), so that drift in the
    // machine's load falls on both sides of each round's ratio.
    const times = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    const overs = new Map<string, number[]>();
    const add = (map: Map<string, number[]>, key: string, value: number) =>
      map.set(key, [...(map.get(key) ?? []), value]);
    for (let i = 0; i < processes; i += 1) {
      for (const bundle of bundles) {
        const pair = i % 2 === 0 ? [bundle.file, bundle.floor] : [bundle.floor, bundle.file];
        const [first = 0, second = 0] = pair.map((file) => importMs(file));
        const [ms, floorMs] = i % 2 === 0 ? [first, second] : [second, first];
        add(times, bundle.file, ms);
        add(times, bundle.floor, floorMs);
        add(ratios, bundle.key, ms / floorMs);
        add(overs, bundle.key, ms - floorMs);
      }
    }
    const rows: Record<string, Record<string, ColdStartRow>> = { xray: {}, opentelemetry: {} };
    for (const bundle of bundles) {
      const [name = '', backend = ''] = bundle.key.split('.');
      const withClients = bundle.clients.length > 0;
      (rows[backend] as Record<string, ColdStartRow>)[name] = {
        kib: round((await stat(bundle.file)).size / 1024, 0),
        importMs: round(median(times.get(bundle.file) ?? [])),
        floor: bundle.floorKind,
        floorKib: round((await stat(bundle.floor)).size / 1024, 0),
        floorImportMs: round(median(times.get(bundle.floor) ?? [])),
        ratio: withClients ? round(median(ratios.get(bundle.key) ?? []), 2) : null,
        overFloorMs: withClients ? null : round(median(overs.get(bundle.key) ?? [])),
        clients: bundle.clients.map((client) => client.replace('@aws-sdk/client-', '')),
      };
    }
    // What a compile cache shipped with the bundle would save: the dialer's bundle, the cache filled by one load.
    const dialer = bundles.find((bundle) => bundle.key === 'dialerWorker.opentelemetry') ?? bundles[0];
    const cacheDir = join(dir, 'compile-cache');
    let compileCache: Record<string, number> | undefined;
    if (dialer) {
      importMs(dialer.file, cacheDir);
      const cold: number[] = [];
      const cached: number[] = [];
      for (let i = 0; i < processes; i += 1) {
        cold.push(importMs(dialer.file));
        cached.push(importMs(dialer.file, cacheDir));
      }
      compileCache = {
        withoutMs: round(median(cold)),
        withMs: round(median(cached)),
        ratio: round(median(cached) / median(cold), 2),
      };
    }
    const worst = (backend: string, pick: (row: ColdStartRow) => number | null) =>
      Math.max(
        ...Object.values(rows[backend] ?? {}).flatMap((row) => {
          const value = pick(row);
          return value === null ? [] : [value];
        }),
      );
    return {
      processes,
      worstRatio: {
        xray: worst('xray', (row) => row.ratio),
        opentelemetry: worst('opentelemetry', (row) => row.ratio),
      },
      worstOverMiddlewareFloorMs: {
        xray: worst('xray', (row) => row.overFloorMs),
        opentelemetry: worst('opentelemetry', (row) => row.overFloorMs),
      },
      dialerWorkerCompileCache: compileCache,
      layers: await measureLayers(dir, processes),
      ...rows,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify(await measureColdStart({ processes: quick ? 3 : 10 }), null, 2));
}
