/** The embedded stack itself: what `npm start` and the tests rely on when a run was killed. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { postgresDataDir, removePostgresData, startPostgres } from '../../local/postgres.ts';
import { isAlive } from '../../local/processes.ts';
import { freePort, startLocalStack } from '../../local/stack.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'voice-campaign-stale-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

it('starts PostgreSQL again on a data directory whose previous run was killed with SIGKILL', async () => {
  // Prepare: a run starts PostgreSQL, then dies without stopping it.
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '../helpers/postgresChild.ts'), dataDir, String(await freePort())],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('up') && resolve());
    child.once('exit', () => reject(new Error('PostgreSQL child exited before starting')));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const stalePid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  expect(isAlive(stalePid)).toBe(true);

  // Act
  const postgres = await startPostgres({ dataDir, port: await freePort(), persistent: true, fast: true });

  // Assess: the stale server is gone, the new one answers.
  try {
    expect(isAlive(stalePid)).toBe(false);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client.query('SELECT 1 AS ok');
    await client.end();
    expect(rows).toEqual([{ ok: 1 }]);
  } finally {
    await postgres.stop();
  }
  expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
});

it('runs the whole stack from a private directory (mode 0700), as a clone under mktemp -d or /root is', async () => {
  // Prepare
  const privateDir = await mkdtemp(join(tmpdir(), 'voice-campaign-private-'));
  await chmod(privateDir, 0o700);
  const localDir = join(privateDir, 'checkout', '.local');

  // Act
  const stack = await startLocalStack({ dataDir: localDir, fast: true });

  // Assess: the migrated database answers, and its files are where the server's user can reach them
  try {
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM campaigns');
    await client.end();
    expect(rows).toEqual([{ n: 0 }]);
    if (process.getuid?.() === 0) expect(stack.postgresDataDir.startsWith(privateDir)).toBe(false);
    expect(stack.postgresDataDir).toBe(postgresDataDir(join(localDir, 'postgres')));
  } finally {
    await stack.stop();
    await removePostgresData(join(localDir, 'postgres'));
    await rm(privateDir, { recursive: true, force: true });
  }
  expect(existsSync(stack.postgresDataDir)).toBe(false);
});

it('says in one line, within seconds, why PostgreSQL could not start', async () => {
  // Prepare: another program holds the port
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  const started = Date.now();

  // Act
  const failure = await startPostgres({ dataDir: join(dataDir, 'busy'), port, persistent: false, fast: true })
    .then(() => undefined)
    .catch((error: unknown) => error);
  holder.close();

  // Assess
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(failure).toBeInstanceOf(Error);
  expect((failure as Error).message).toBe(
    `PostgreSQL could not start (data in ${postgresDataDir(join(dataDir, 'busy'))}, port ${port}): ` +
      'its port is in use by another program. Stop that program or try again.',
  );
});

it('npm start stops within seconds with one line when its database cannot start', async () => {
  // Prepare: a data directory left broken (a cluster of a PostgreSQL version this one cannot read)
  const localDir = await mkdtemp(join(tmpdir(), 'voice-campaign-broken-'));
  const clusterDir = postgresDataDir(join(localDir, 'postgres'));
  await mkdir(clusterDir, { recursive: true });
  await writeFile(join(clusterDir, 'PG_VERSION'), '9\n');
  const started = Date.now();

  // Act
  const run = spawnSync(process.execPath, [join(import.meta.dirname, '../../local/start.ts')], {
    env: { ...process.env, VOICE_CAMPAIGN_LOCAL_DIR: localDir, PORT: String(await freePort()) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  await removePostgresData(join(localDir, 'postgres'));
  await rm(localDir, { recursive: true, force: true });

  // Assess
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(run.status).toBe(1);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^PostgreSQL could not start \(data in .+\): .+`npm run reset` wipes it\.$/);
});
