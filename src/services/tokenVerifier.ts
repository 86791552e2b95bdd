/**
 * Verifies the bearer tokens (JWT) of API callers with jose: signature, issuer, audience, expiry. The caller's
 * identity is the token's `sub`.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { AuthConfig } from '../lib/config.ts';
import { UnauthorizedError } from '../lib/errors.ts';

export interface TokenVerifier {
  /** The verified user id; an UnauthorizedError for any token that is not valid now. */
  verify(authorization: string | undefined): Promise<string>;
}

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  // The key set is fetched on first use and cached by jose (refetched when a token names an unknown key).
  const jwks: JWTVerifyGetKey | undefined =
    config.mode === 'jwks' ? createRemoteJWKSet(config.jwksUrl) : undefined;
  const secret = config.mode === 'local' ? new TextEncoder().encode(config.secret) : undefined;
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.mode === 'jwks' ? ['RS256', 'ES256'] : ['HS256'],
  };

  return {
    async verify(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      // API Gateway turns exactly this message into a 401.
      if (token === undefined) throw new UnauthorizedError('Unauthorized');
      try {
        const { payload } = jwks
          ? await jwtVerify(token, jwks, options)
          : await jwtVerify(token, secret ?? new Uint8Array(), options);
        if (typeof payload.sub !== 'string' || payload.sub.length === 0)
          throw new Error('Token has no subject');
        return payload.sub;
      } catch (error) {
        throw new UnauthorizedError('Unauthorized', { cause: error });
      }
    },
  };
}
