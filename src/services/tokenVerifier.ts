/**
 * Verifies the bearer tokens (JWT) of API callers with jose: signature, issuer, audience, expiry, and a bounded
 * lifetime. The caller's identity is the token's `sub`. A token that is not valid is a refusal, an answer like any
 * other; only a failure to check (the identity provider's keys out of reach) is an error.
 */
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { AuthConfig } from '../lib/config.ts';
import { DependencyError, describeCause } from '../lib/errors.ts';

/** The longest lifetime (`exp` - `iat`) accepted: a leaked token stops working within a day. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

export type TokenVerdict =
  /** `scopes`: the token's OAuth scopes (`scope`, space-separated, or `scp`), e.g. `dnc:write`. */
  | { allowed: true; userId: string; scopes: string[] }
  /** `reason` is short, fixed text, safe to log: never the token or its claims. */
  | { allowed: false; reason: string };

export interface TokenVerifier {
  /** Whether the `Authorization` header carries a valid token now; a DependencyError when that cannot be told. */
  verify(authorization: string | undefined): Promise<TokenVerdict>;
}

const refuse = (reason: string): TokenVerdict => ({ allowed: false, reason });

function refusalFor(error: unknown): TokenVerdict {
  if (error instanceof joseErrors.JWTExpired) return refuse('expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) return refuse(`claim ${error.claim} not valid`);
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return refuse('signature not valid');
  if (error instanceof joseErrors.JWKSNoMatchingKey) return refuse('signed with an unknown key');
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return refuse('algorithm not allowed');
  return refuse('malformed');
}

/** The scopes a token grants: OAuth's `scope` (a space-separated string) or `scp` (a list or a string). */
function scopesOf(payload: JWTPayload): string[] {
  const claim = payload.scope ?? payload.scp;
  const scopes = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(' ') : [];
  return scopes.filter((scope): scope is string => typeof scope === 'string' && /^[\x21-\x7e]+$/.test(scope));
}

function checkClaims(payload: JWTPayload): TokenVerdict {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) return refuse('no subject');
  if (typeof payload.exp !== 'number') return refuse('no expiry');
  const issuedAt = typeof payload.iat === 'number' ? payload.iat : Math.floor(Date.now() / 1000);
  if (payload.exp - issuedAt > MAX_TOKEN_LIFETIME_SECONDS) return refuse('lifetime over 24 hours');
  return { allowed: true, userId: payload.sub, scopes: scopesOf(payload) };
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
    requiredClaims: ['exp'],
  };

  return {
    async verify(authorization) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      if (token === undefined) return refuse('no bearer token');
      let payload: JWTPayload;
      try {
        ({ payload } = jwks
          ? await jwtVerify(token, jwks, options)
          : await jwtVerify(token, secret ?? new Uint8Array(), options));
      } catch (error) {
        // The keys could not be fetched or read (a network error, a timeout, an answer that is not a key set, which
        // jose reports with its generic error): nothing is known about the token.
        const refusal =
          error instanceof joseErrors.JOSEError &&
          !(error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) &&
          error.code !== joseErrors.JOSEError.code;
        if (!refusal) {
          throw new DependencyError('jwks', `Token keys unavailable: ${describeCause(error)}`, {
            cause: error,
          });
        }
        return refusalFor(error);
      }
      return checkClaims(payload);
    },
  };
}
