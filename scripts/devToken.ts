/**
 * `npm run dev-token -- [userId]`: a bearer token for the local stage's development identity (default `demo-user`),
 * signed with the key `npm start` made in .local/auth-secret, valid 12 hours. Only the local stage accepts it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { LOCAL_AUTH, LOCAL_DIR } from '../local/paths.ts';

const secretFile = join(LOCAL_DIR, 'auth-secret');
if (!existsSync(secretFile)) {
  console.error('No local signing key yet: run `npm start` once first.');
  process.exit(1);
}
const userId = process.argv[2] ?? 'demo-user';
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(userId)
  .setIssuer(LOCAL_AUTH.AUTH_ISSUER)
  .setAudience(LOCAL_AUTH.AUTH_AUDIENCE)
  .setIssuedAt()
  .setExpirationTime('12h')
  .sign(new TextEncoder().encode(readFileSync(secretFile, 'utf8').trim()));
console.log(token);
