/**
 * The database of a function instance: from DATABASE_URL, or from a Secrets Manager secret read once, on first use
 * (production). Call once, at module load. A rotated password reaches new instances; running ones keep their open
 * connections, and re-read the secret if opening the pool failed.
 */
import { databaseConfig } from './config.ts';
import { connectionFromSecret, createDatabase, type Database } from './db.ts';
import { readJsonSecret } from './secrets.ts';

export function openDatabase(): Database {
  const config = databaseConfig();
  const { secretArn } = config;
  if (secretArn === undefined) return createDatabase(config);
  return createDatabase(
    config,
    connectionFromSecret(() => readJsonSecret(secretArn)),
  );
}
