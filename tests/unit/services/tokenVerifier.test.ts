import { describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import { freePort } from '../../../local/stack.ts';
import { DependencyError } from '../../../src/lib/errors.ts';
import { createTokenVerifier } from '../../../src/services/tokenVerifier.ts';

const config = {
  mode: 'local' as const,
  secret: 'a-local-development-secret-of-32-chars!',
  issuer: 'voice-campaign-local',
  audience: 'voice-campaign-api',
};
const verifier = createTokenVerifier(config);

function token(
  claims: { sub?: string; iss?: string; aud?: string; exp?: string | number | null },
  secret = config.secret,
) {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  jwt.setIssuer(claims.iss ?? config.issuer).setAudience(claims.aud ?? config.audience);
  if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? '5m');
  return jwt.sign(new TextEncoder().encode(secret));
}

describe('token verifier', () => {
  it('verifies a valid bearer token and answers its subject', async () => {
    expect(await verifier.verify(`Bearer ${await token({ sub: 'demo-user' })}`)).toEqual({
      allowed: true,
      userId: 'demo-user',
      scopes: [],
    });
  });

  it.each([
    ['scope', 'dnc:write dnc:admin'],
    ['scp', ['dnc:write', 'dnc:admin']],
  ])('reads the scopes a token grants from %s', async (claim, value) => {
    // Prepare
    const signed = await new SignJWT({ [claim]: value })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer(config.issuer)
      .setAudience(config.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(config.secret));

    // Act
    const verdict = await verifier.verify(`Bearer ${signed}`);

    // Assess
    expect(verdict).toEqual({ allowed: true, userId: 'u', scopes: ['dnc:write', 'dnc:admin'] });
  });

  it.each([
    ['no header', async () => undefined, 'no bearer token'],
    ['no Bearer scheme', async () => token({ sub: 'u' }), 'no bearer token'],
    [
      'another signing key',
      async () => `Bearer ${await token({ sub: 'u' }, 'another-secret-that-is-32-characters-long')}`,
      'signature not valid',
    ],
    [
      'another issuer',
      async () => `Bearer ${await token({ sub: 'u', iss: 'elsewhere' })}`,
      'claim iss not valid',
    ],
    [
      'another audience',
      async () => `Bearer ${await token({ sub: 'u', aud: 'other-api' })}`,
      'claim aud not valid',
    ],
    [
      'an expired token',
      async () => `Bearer ${await token({ sub: 'u', exp: Math.floor(Date.now() / 1000) - 60 })}`,
      'expired',
    ],
    [
      'a token without expiry',
      async () => `Bearer ${await token({ sub: 'u', exp: null })}`,
      'claim exp not valid',
    ],
    [
      'a token valid for a year',
      async () => `Bearer ${await token({ sub: 'u', exp: '365d' })}`,
      'lifetime over 24 hours',
    ],
    ['no subject', async () => `Bearer ${await token({})}`, 'no subject'],
    ['garbage', async () => 'Bearer not.a.jwt', 'malformed'],
  ])('refuses %s, with a reason fit for a log line', async (_, header, reason) => {
    expect(await verifier.verify(await header())).toEqual({ allowed: false, reason });
  });

  it('fails with a dependency error, not a refusal, when the identity provider’s keys are out of reach', async () => {
    // Prepare: nothing listens where the key set should be
    const unreachable = createTokenVerifier({
      mode: 'jwks',
      jwksUrl: new URL(`https://127.0.0.1:${await freePort()}/.well-known/jwks.json`),
      issuer: config.issuer,
      audience: config.audience,
    });
    const rs256 = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1' })).toString('base64url')}.e30.c2ln`;

    // Act
    const attempt = unreachable.verify(`Bearer ${rs256}`);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(DependencyError);
    await expect(attempt).rejects.toMatchObject({ dependency: 'jwks', statusCode: 503 });
  });
});
