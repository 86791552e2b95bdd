/** Bearer tokens for the local stage's development identity, signed with the key `npm start` made. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { LOCAL_AUTH, LOCAL_DIR } from './paths.ts';

export async function signDevToken(userId: string, expiresIn = '12h'): Promise<string> {
  const secret = (await readFile(join(LOCAL_DIR, 'auth-secret'), 'utf8')).trim();
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(LOCAL_AUTH.AUTH_ISSUER)
    .setAudience(LOCAL_AUTH.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
