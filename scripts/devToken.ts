/**
 * `npm run dev-token -- [userId] [--scope "dnc:write dnc:admin"]`: a bearer token for a local development identity
 * (default `demo-user`, with the demo's scopes), valid 12 hours. Only the local stage accepts it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_SCOPES, signDevToken } from '../local/devToken.ts';
import { LOCAL_DIR } from '../local/paths.ts';

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({ options: { scope: { type: 'string' } }, allowPositionals: true, strict: true });
}
try {
  parsed = parse();
} catch (error) {
  console.error(
    `${error instanceof Error ? error.message : error}\nUsage: npm run dev-token -- [userId] [--scope "a b"]`,
  );
  process.exit(2);
}
if (!existsSync(join(LOCAL_DIR, 'auth-secret'))) {
  console.error('No local signing key yet: run `npm start` once first.');
  process.exit(1);
}
const userId = parsed.positionals[0] ?? 'demo-user';
const scopes = parsed.values.scope?.split(' ').filter(Boolean) ?? (userId === 'demo-user' ? DEMO_SCOPES : []);
console.log(await signDevToken(userId, { scopes }));
