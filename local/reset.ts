/**
 * `npm run reset`: wipes the local system's data (.local/, and the PostgreSQL cluster wherever it had to live);
 * the next `npm start` seeds the demo again.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_DIR } from './paths.ts';
import { removePostgresData } from './postgres.ts';

await removePostgresData(join(LOCAL_DIR, 'postgres'));
await rm(LOCAL_DIR, { recursive: true, force: true });
console.log(`Local data wiped (${LOCAL_DIR}).`);
