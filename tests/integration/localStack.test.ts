/** The embedded stack itself: what `npm start` and the tests rely on when a run was killed. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { startPostgres } from '../../local/postgres.ts';
import { isAlive } from '../../local/processes.ts';
import { freePort } from '../../local/stack.ts';

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
