import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { UnauthorizedError } from '../../../src/lib/errors.ts';
import { createTokenVerifier } from '../../../src/services/tokenVerifier.ts';

const config = {
  mode: 'local' as const,
  secret: 'a-local-development-secret-of-32-chars!',
  issuer: 'voice-campaign-local',
  audience: 'voice-campaign-api',
};
const verifier = createTokenVerifier(config);

function token(
  claims: { sub?: string; iss?: string; aud?: string; exp?: string | number },
  secret = config.secret,
) {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  jwt
    .setIssuer(claims.iss ?? config.issuer)
    .setAudience(claims.aud ?? config.audience)
    .setExpirationTime(claims.exp ?? '5m');
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('token verifier', () => {
  it('verifies a valid bearer token and answers its subject', async () => {
    expect(await verifier.verify(`Bearer ${await token({ sub: 'demo-user' })}`)).toBe('demo-user');
  });

  it.each([
    ['no header', async () => undefined],
    ['no Bearer scheme', async () => token({ sub: 'u' })],
    [
      'another signing key',
      async () => `Bearer ${await token({ sub: 'u' }, 'another-secret-that-is-32-characters-long')}`,
    ],
    ['another issuer', async () => `Bearer ${await token({ sub: 'u', iss: 'elsewhere' })}`],
    ['another audience', async () => `Bearer ${await token({ sub: 'u', aud: 'other-api' })}`],
    [
      'an expired token',
      async () => `Bearer ${await token({ sub: 'u', exp: Math.floor(Date.now() / 1000) - 60 })}`,
    ],
    ['no subject', async () => `Bearer ${await token({})}`],
    ['garbage', async () => 'Bearer not.a.jwt'],
  ])('refuses %s with "Unauthorized" (API Gateway answers 401)', async (_, header) => {
    const attempt = verifier.verify(await header());
    await expect(attempt).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(attempt).rejects.toThrow(/^Unauthorized$/);
  });
});
