/**
 * `npm run bench:imports-stack`: the CSV import benchmark under `npm start`'s own runtime (serverless-offline running
 * the bundled importWorker, the S3 stand-in behind its policy front, the stack's queues), driven through the public
 * API as a user drives it: a 100,000-row file, then a 1,000,000-row one (bench/imports.ts writes both), each opened,
 * uploaded with its form and followed to `done`. Meanwhile it samples, once a second, the memory of every process of
 * the running stack (npm start with its stand-ins, serverless-offline running the functions, esbuild, PostgreSQL) and
 * times an import status request. Memory is the proportional set size (PSS: shared pages split among the processes
 * that share them): PostgreSQL's processes share its buffer cache, which their resident sizes would count once each.
 * Reports, per file: rows/s, each process's peak, the status requests' median and slowest answer; and the
 * 1,000,000 / 100,000 ratio of each process's peak (the bound: 1.3). PostgreSQL is reported apart: its memory is
 * mostly its buffer cache, which fills with the table up to `shared_buffers` (128 MB) and is not the import's.
 * Run it with `npm start` running; results go to bench/results/imports-stack.json.
 */
import { openAsBlob } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_DIR, STACK_FILE } from '../local/paths.ts';
import { areaCodes, writeCsv } from './imports.ts';

const state = JSON.parse(await readFile(STACK_FILE, 'utf8')) as { pid: number; api: string };
const api = state.api;
const token = (await readFile(join(LOCAL_DIR, 'dev-token'), 'utf8')).trim();
const headers = { authorization: `Bearer ${token}` };

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** The processes of the stack: npm start's and its descendants, by pid, with their command name. */
async function stackProcesses(): Promise<Map<number, string>> {
  const parents = new Map<number, { parent: number; name: string }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const line = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const match = /^\d+ \((.*)\) \S (\d+)/.exec(line);
    if (match) parents.set(Number(entry), { parent: Number(match[2]), name: match[1] ?? '' });
  }
  const inStack = new Map<number, string>([[state.pid, 'npm start']]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { parent, name }] of parents) {
      if (!inStack.has(pid) && inStack.has(parent)) {
        const args = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        inStack.set(pid, args.includes('offline') ? 'serverless-offline' : name);
        grew = true;
      }
    }
  }
  return inStack;
}

async function pssMiB(pid: number): Promise<number> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) / 1024;
}

/** Each kind of process's peak memory (PSS, summed over PostgreSQL's processes) while `work` runs. */
async function sampling<T>(work: () => Promise<T>) {
  const peaks = new Map<string, number>();
  let running = true;
  const sampler = (async () => {
    while (running) {
      const totals = new Map<string, number>();
      for (const [pid, name] of await stackProcesses()) {
        totals.set(name, (totals.get(name) ?? 0) + (await pssMiB(pid)));
      }
      for (const [name, total] of totals) peaks.set(name, Math.max(peaks.get(name) ?? 0, total));
      await sleep(1_000);
    }
  })();
  try {
    return { result: await work(), peaks };
  } finally {
    running = false;
    await sampler;
  }
}

async function importOf(file: string, rows: number) {
  const campaign = await call('POST', '/campaigns', {
    name: `bench import ${rows}`,
    callerId: '+12025550100',
    callFlow: 'flows/bench',
  });
  const path = `/campaigns/${campaign.campaignId}/imports`;
  const { result, peaks } = await sampling(async () => {
    const began = performance.now();
    const opened = (await call('POST', path)) as {
      importId: string;
      upload: { url: string; fields: object };
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(opened.upload.fields)) form.append(name, String(value));
    form.append('file', await openAsBlob(file, { type: 'text/csv' }), basename(file));
    const sent = await fetch(opened.upload.url, { method: 'POST', body: form });
    if (!sent.ok) throw new Error(`The upload was refused: ${sent.status}`);
    const answers: number[] = [];
    for (;;) {
      const asked = performance.now();
      const view = await call('GET', `${path}/${opened.importId}`);
      answers.push(performance.now() - asked);
      if (view.status === 'done' || view.status === 'failed') {
        if (view.status !== 'done' || view.rowsRead !== rows)
          throw new Error(`Import ended: ${JSON.stringify(view)}`);
        return { seconds: (performance.now() - began) / 1000, answers };
      }
      await sleep(1_000);
    }
  });
  const sorted = [...result.answers].sort((a, b) => a - b);
  return {
    rows,
    seconds: Number(result.seconds.toFixed(1)),
    rowsPerSecond: Math.round(rows / result.seconds),
    peakPssMiB: Object.fromEntries([...peaks].map(([name, peak]) => [name, Math.round(peak)])),
    statusMs: {
      median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      slowest: Math.round(sorted.at(-1) ?? 0),
      requests: sorted.length,
    },
  };
}

const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-bench-stack-'));
try {
  const codes = areaCodes();
  const files = { small: join(dir, 'small.csv'), large: join(dir, 'large.csv') };
  await writeCsv(files.small, 100_000, codes);
  await writeCsv(files.large, 1_000_000, codes);
  console.error(`bench: files written (${((await stat(files.large)).size / 1_048_576).toFixed(1)} MiB)`);
  const small = await importOf(files.small, 100_000);
  console.error(`bench: 100,000 rows in ${small.seconds} s`);
  const large = await importOf(files.large, 1_000_000);
  console.error(`bench: 1,000,000 rows in ${large.seconds} s`);
  const ratios = Object.fromEntries(
    Object.entries(large.peakPssMiB).map(([name, peak]) => [
      name,
      Number((peak / (small.peakPssMiB[name] ?? peak)).toFixed(2)),
    ]),
  );
  const result = {
    at: new Date().toISOString(),
    small,
    large,
    peakPssRatio: ratios,
    // The bound holds for the stack's own processes; PostgreSQL's cache is bounded by its configuration.
    withinBound: Object.entries(ratios).every(([name, ratio]) => name === 'postgres' || ratio <= 1.3),
    statusUnderOneSecond: Math.max(small.statusMs.slowest, large.statusMs.slowest) < 1_000,
  };
  await writeFile(
    join(import.meta.dirname, 'results', 'imports-stack.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
  if (!result.withinBound || !result.statusUnderOneSecond) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
