/**
 * The local stack of the benches that run the services in their own process: started fast, the process configured
 * as the functions are (the stack's variables, the bench's stage, a phone hash key, errors only in the log), and a
 * pool on its PostgreSQL.
 */
import pg from 'pg';
import { type LocalStack, startLocalStack } from '../local/stack.ts';

export interface BenchStack {
  stack: LocalStack;
  db: pg.Pool;
  /** Ends the pool and stops the stack. */
  close(): Promise<void>;
}

export async function openBenchStack(): Promise<BenchStack> {
  const stack = await startLocalStack({ fast: true });
  Object.assign(process.env, stack.env, {
    STAGE: 'bench',
    PHONE_HASH_KEY: 'bench-phone-hash-key-0123456789',
    PHONE_DEFAULT_REGION: 'US',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  // A server stopped under an idle client must not crash the run.
  db.on('error', () => {});
  return {
    stack,
    db,
    async close() {
      await db.end();
      await stack.stop();
    },
  };
}

/** A bench's own run: the stack opened, `run` given it, the figures printed as JSON, everything stopped. */
export async function runOnBenchStack(run: (bench: BenchStack) => Promise<unknown>): Promise<never> {
  const bench = await openBenchStack();
  try {
    console.log(JSON.stringify(await run(bench), null, 2));
  } finally {
    await bench.close();
  }
  process.exit(0);
}
