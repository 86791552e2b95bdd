/**
 * `npm run dev-token -- [userId]`: a bearer token for the local stage's development identity (default `demo-user`),
 * valid 12 hours. Only the local stage accepts it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { signDevToken } from '../local/devToken.ts';
import { LOCAL_DIR } from '../local/paths.ts';

if (!existsSync(join(LOCAL_DIR, 'auth-secret'))) {
  console.error('No local signing key yet: run `npm start` once first.');
  process.exit(1);
}
console.log(await signDevToken(process.argv[2] ?? 'demo-user'));
