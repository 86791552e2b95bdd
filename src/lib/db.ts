/**
 * The Postgres pool: small, created once per function instance and reused across invocations.
 * Every query is parameterised and appears in the trace as an `sql` subsegment with its text, never its values.
 */
import pg from 'pg';
import type { DatabaseConfig } from './config.ts';
import { DependencyError } from './errors.ts';
import { redactPhoneLike } from './redact.ts';
import { type SqlTarget, startSqlSpan } from './tracing.ts';

export type Query = <R extends pg.QueryResultRow>(
  text: string,
  values?: readonly unknown[],
) => Promise<pg.QueryResult<R>>;

export interface Database {
  /** Runs one parameterised statement. Failures become a DependencyError (retryable) with the cause kept. */
  query: Query;
  /** Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

/**
 * Opens the pool. `aws-xray-sdk-postgres` would trace the connection but not the statement, so queries are
 * traced here instead.
 */
export function createDatabase(config: DatabaseConfig): Database {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolMax,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 5_000,
    // Idle connections alone never keep a process alive (scripts, tests, sls invoke local).
    allowExitOnIdle: true,
    ssl: config.ssl ? { rejectUnauthorized: true } : undefined,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const url = new URL(config.url);
  const target: SqlTarget = {
    database: url.pathname.replace(/^\//, '') || 'postgres',
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
  };

  async function run<R extends pg.QueryResultRow>(
    client: pg.Pool | pg.PoolClient,
    text: string,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    const span = startSqlSpan(target, text);
    try {
      return await client.query<R>(text, values as unknown[]);
    } catch (error) {
      // The server's message names the problem, not the values (those are in `detail`, which is left out).
      const { code, message } = error as { code?: string; message?: string };
      const failure = new DependencyError(
        'postgres',
        `Database query failed${code ? ` (${code})` : ''}: ${redactPhoneLike(message ?? 'unknown error')}`,
        { cause: error },
      );
      span.recordError(failure);
      throw failure;
    } finally {
      span.close();
    }
  }

  return {
    query: (text, values) => run(pool, text, values),
    async transaction(work) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw new DependencyError('postgres', 'Database connection failed', { cause: error });
      }
      try {
        await run(client, 'BEGIN');
        const result = await work((text, values) => run(client, text, values));
        await run(client, 'COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
}
