/** Bearer tokens for the local stage's development identity, signed with the key `npm start` made. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { LOCAL_AUTH, LOCAL_DIR } from './paths.ts';

/** The scopes of the demo user's token: it may add numbers to the do-not-call list and remove them. */
export const DEMO_SCOPES = ['dnc:write', 'dnc:admin'];

export async function signDevToken(
  userId: string,
  options: { scopes?: readonly string[]; expiresIn?: string } = {},
): Promise<string> {
  const secret = (await readFile(join(LOCAL_DIR, 'auth-secret'), 'utf8')).trim();
  const scopes = options.scopes ?? [];
  return new SignJWT(scopes.length > 0 ? { scope: scopes.join(' ') } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(LOCAL_AUTH.AUTH_ISSUER)
    .setAudience(LOCAL_AUTH.AUTH_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(secret));
}
