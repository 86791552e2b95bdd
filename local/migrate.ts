/** Applies the SQL migrations in migrations/ with node-pg-migrate: the same files as production. */
import { join } from 'node:path';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'migrations');

export async function migrate(databaseUrl: string, direction: 'up' | 'down' = 'up'): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction,
    count: direction === 'down' ? Number.POSITIVE_INFINITY : undefined,
    migrationsTable: 'pgmigrations',
    log: () => {},
  });
}
