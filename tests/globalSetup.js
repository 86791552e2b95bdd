/**
 * Before any test file: the embedded PostgreSQL must start on this machine. When it cannot, the run stops here with
 * one line saying why, instead of every integration file failing on its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Plain JavaScript, loaded by Node itself: Jest loads global setup outside its ESM transform, where the .ts stack
// modules would not load; Node 24 imports them as they are.
const { startPostgres } = await import('../local/postgres.ts');
const { freePort } = await import('../local/stack.ts');

/** @returns {Promise<void>} */
export default async function preflight() {
  // Jest runs the slowest files first and writes a file's result when it ends: say what is happening meanwhile.
  console.log(
    process.env.RELIABILITY
      ? '\nThe reliability suite: one file after another, each on an embedded stack (a few minutes)...'
      : '\nUnit, integration and deployment tests on 2 workers, the slowest files first (about 5 minutes); each file is listed as it ends...',
  );
  const dataDir = await mkdtemp(join(tmpdir(), 'voice-campaign-preflight-'));
  try {
    const postgres = await startPostgres({
      dataDir,
      port: await freePort(),
      persistent: false,
      fast: true,
      timeoutMs: 30_000,
    });
    await postgres.stop();
    await rm(postgres.dataDir, { recursive: true, force: true });
  } catch (error) {
    console.error(
      `\nThe tests need the embedded PostgreSQL, and it failed: ${error instanceof Error ? error.message : error}`,
    );
    process.exit(1);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
