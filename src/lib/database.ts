/**
 * The Postgres pool: small, created once per function instance and reused across invocations.
 * Every query is parameterised and appears in the trace as an `sql` subsegment with its text, never its values.
 */
import pg from 'pg';
import { type DatabaseConfig, databaseConfig } from './config.ts';
import { DependencyError, describeCause } from './errors.ts';
import { redactPhoneLike } from './redact.ts';
import { readJsonSecret } from './secrets.ts';
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

/** Where to connect: the URL, or the secret's fields. */
export type ConnectionSource = () => Promise<{ connectionString: string }>;

/** Reads an RDS-format secret (host, port, username, password, dbname) into a connection string. */
export function connectionFromSecret(read: () => Promise<unknown>): ConnectionSource {
  return async () => {
    const secret = (await read()) as Record<string, unknown> | undefined;
    const field = (name: string) => {
      const value = secret?.[name];
      if (value === undefined || value === null || value === '') {
        throw new DependencyError('secretsmanager', `Database secret has no ${name}`);
      }
      return encodeURIComponent(String(value));
    };
    return {
      connectionString: `postgresql://${field('username')}:${field('password')}@${field('host')}:${field('port')}/${field('dbname')}`,
    };
  };
}

/**
 * Opens the pool on first use (the connection may come from a secret, read once). `aws-xray-sdk-postgres` would
 * trace the connection but not the statement, so queries are traced here instead.
 */
export function createDatabase(config: DatabaseConfig, source?: ConnectionSource): Database {
  const connection: ConnectionSource = source ?? (async () => ({ connectionString: config.url ?? '' }));
  let opened: Promise<{ pool: pg.Pool; target: SqlTarget }> | undefined;
  const open = () => {
    opened ??= connection().then(({ connectionString }) => {
      const pool = new pg.Pool({
        connectionString,
        max: config.poolMax,
        idleTimeoutMillis: 60_000,
        connectionTimeoutMillis: 5_000,
        // Idle connections alone never keep a process alive (scripts, tests, sls invoke local).
        allowExitOnIdle: true,
        ssl: config.ssl ? { rejectUnauthorized: true } : undefined,
      });
      // An idle client losing its connection must not crash the process; the next query reconnects.
      pool.on('error', () => {});
      const url = new URL(connectionString);
      const target: SqlTarget = {
        database: url.pathname.replace(/^\//, '') || 'postgres',
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
      };
      return { pool, target };
    });
    // A failed read (secret unavailable) is tried again by the next query.
    opened.catch(() => {
      opened = undefined;
    });
    return opened;
  };

  async function run<R extends pg.QueryResultRow>(
    target: SqlTarget,
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
    async query(text, values) {
      const { pool, target } = await open();
      return run(target, pool, text, values);
    },
    async transaction(work) {
      const { pool, target } = await open();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw new DependencyError('postgres', `Database connection failed: ${describeCause(error)}`, {
          cause: error,
        });
      }
      // A connection lost while the client is checked out (a restart, a failover) is an error event on the client,
      // which the pool no longer listens to: without a listener it would crash the process. Its statement fails too.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost = error;
      };
      client.on('error', onError);
      try {
        await run(target, client, 'BEGIN');
        const result = await work((text, values) => run(target, client, text, values));
        await run(target, client, 'COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          lost ??= rollbackError;
        });
        throw error;
      } finally {
        client.off('error', onError);
        // A client whose connection is lost is discarded, not given to the next statement.
        client.release(lost);
      }
    },
    async end() {
      if (opened) await (await opened).pool.end();
    },
  };
}

/**
 * The database of a function instance: from DATABASE_URL, or from a Secrets Manager secret read once, on first use
 * (production). Call once, at module load. A rotated password reaches new instances; running ones keep their open
 * connections, and re-read the secret if opening the pool failed.
 */
export function openDatabase(): Database {
  const config = databaseConfig();
  const { secretArn } = config;
  if (secretArn === undefined) return createDatabase(config);
  return createDatabase(
    config,
    connectionFromSecret(() => readJsonSecret(secretArn)),
  );
}
