/**
 * Cold start, per function and tracing backend: each function's bundle (esbuild with serverless.yml's options, the
 * backend's conditions) against its SDK floor, a bundle holding only the AWS SDK clients the function loads when it
 * is imported, each constructed: bytes, and the median import time of fresh Node processes with Lambda's
 * environment set, bundles alternating.
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
  floorKib: number;
  floorImportMs: number;
  /** Over the floor; none for a function that holds no SDK client (its floor would be an empty file). */
  ratio: number | null;
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
    const bundles: Array<{ key: string; file: string; floor: string; clients: string[] }> = [];
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
        const floor = join(dir, `${name}.${backend}.floor.cjs`);
        await build({
          ...functionBuildOptions(conditions),
          stdin: { contents: clients.map((client) => CLIENTS[client]).join('\n'), resolveDir: ROOT },
          outfile: floor,
          logLevel: 'silent',
        });
        bundles.push({ key: `${name}.${backend}`, file, floor, clients });
      }
    }
    // One process a bundle, round after round, so that drift in the machine's load spreads over all of them.
    const times = new Map<string, number[]>();
    for (let i = 0; i < processes; i += 1) {
      for (const bundle of bundles) {
        for (const file of [bundle.file, bundle.floor])
          times.set(file, [...(times.get(file) ?? []), importMs(file)]);
      }
    }
    const rows: Record<string, Record<string, ColdStartRow>> = { xray: {}, opentelemetry: {} };
    for (const bundle of bundles) {
      const [name = '', backend = ''] = bundle.key.split('.');
      const ms = median(times.get(bundle.file) ?? []);
      const floorMs = median(times.get(bundle.floor) ?? []);
      (rows[backend] as Record<string, ColdStartRow>)[name] = {
        kib: round((await stat(bundle.file)).size / 1024, 0),
        importMs: round(ms),
        floorKib: round((await stat(bundle.floor)).size / 1024, 0),
        floorImportMs: round(floorMs),
        ratio: bundle.clients.length > 0 ? round(ms / floorMs, 2) : null,
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
    const worst = (backend: string) =>
      Math.max(
        ...Object.values(rows[backend] ?? {}).flatMap((row) => (row.ratio === null ? [] : [row.ratio])),
      );
    return {
      processes,
      worstRatio: { xray: worst('xray'), opentelemetry: worst('opentelemetry') },
      dialerWorkerCompileCache: compileCache,
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
