/**
 * `npm run bench:footprint`: what each packaged function costs to load, the cold-start share that is ours.
 * Packages the prod stage (example parameters), then, for each function's zip, loads its bundle in a fresh Node
 * process: time to import it, and resident memory once loaded. The baseline, in the same run, is a fresh process
 * loading an empty module. Median of 5 processes each. Appends to bench/results/footprint.ndjson.
 */
import { spawnSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const PROCESSES = 5;
// Module-load configuration only: nothing is called, so none of these is reached.
const ENV = {
  STAGE: 'prod',
  AWS_REGION: 'us-east-1',
  BLACKLIST_TABLE: 'blacklist',
  ASTERISK_CALLS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/calls',
  DIAL_TASKS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/tasks',
  FANOUT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/fanout',
  DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
  PHONE_HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:phone',
  AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
  AUTH_ISSUER: 'https://login.example.com/',
  AUTH_AUDIENCE: 'voice-campaign-api',
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Loads `file` in a fresh process `PROCESSES` times: median import time (ms) and resident memory (MiB). */
function load(file: string) {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(file)});
    const ms = Number(process.hrtime.bigint() - t) / 1e6; globalThis.gc();
    console.log(JSON.stringify({ ms, rss: process.memoryUsage().rss / 2 ** 20 }));`;
  const runs = Array.from({ length: PROCESSES }, () => {
    const result = spawnSync(process.execPath, ['--expose-gc', '-e', script], {
      env: { PATH: process.env.PATH, ...ENV },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`Loading ${file} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as { ms: number; rss: number };
  });
  return { importMs: median(runs.map((run) => run.ms)), rssMiB: median(runs.map((run) => run.rss)) };
}

const work = await mkdtemp(join(tmpdir(), 'voice-campaign-footprint-'));
try {
  const packaged = spawnSync(
    process.execPath,
    [
      '--env-file=config/deploy.example.env',
      'node_modules/.bin/sls',
      'package',
      '--stage',
      'prod',
      '--package',
      work,
    ],
    { cwd: ROOT, env: { ...process.env, ESBUILD_WORK_FOLDER: '.esbuild-footprint' }, encoding: 'utf8' },
  );
  if (packaged.status !== 0) throw new Error(`Packaging failed:\n${packaged.stdout}${packaged.stderr}`);
  const empty = join(work, 'empty.cjs');
  await writeFile(empty, '');
  const baseline = load(empty);
  const functions: Record<string, unknown> = {};
  for (const zip of (await readdir(work)).filter((name) => name.endsWith('.zip'))) {
    const name = zip.slice(0, -'.zip'.length);
    if (name === 'custom-resources') continue;
    const dir = join(work, name);
    const unzipped = spawnSync('unzip', ['-q', join(work, zip), '-d', dir], { encoding: 'utf8' });
    if (unzipped.status !== 0)
      throw new Error(`Unpacking ${zip} failed (is unzip installed?):\n${unzipped.stderr}`);
    const { importMs, rssMiB } = load(join(dir, 'src', 'functions', `${name}.cjs`));
    functions[name] = {
      zipKiB: Math.round((await stat(join(work, zip))).size / 1024),
      importMs: Number(importMs.toFixed(1)),
      rssMiB: Number(rssMiB.toFixed(1)),
      rssOverBaselineMiB: Number((rssMiB - baseline.rssMiB).toFixed(1)),
    };
  }
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    baseline: { importMs: Number(baseline.importMs.toFixed(2)), rssMiB: Number(baseline.rssMiB.toFixed(1)) },
    functions,
  };
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  await appendFile(join(dir, 'footprint.ndjson'), `${JSON.stringify(result)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await rm(work, { recursive: true, force: true });
  await rm(join(ROOT, '.esbuild-footprint'), { recursive: true, force: true });
}
