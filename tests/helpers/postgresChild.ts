/** Starts embedded PostgreSQL in this process and waits: a run for the test to kill with SIGKILL. */
import { startPostgres } from '../../local/postgres.ts';

const [dataDir, port] = process.argv.slice(2);
await startPostgres({ dataDir: dataDir ?? '', port: Number(port), persistent: true, fast: true });
console.log('up');
setInterval(() => {}, 60_000);
