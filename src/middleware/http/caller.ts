/** Who calls a route: the identity the API's authorizer verified, the scopes of the token, the campaign the path names. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.ts';

/**
 * The verified identity of the caller, from the API Gateway authorizer: a Lambda authorizer's `userId` context
 * (or principal), or a Cognito user pool's `sub` claim. Never from the body or a header the caller controls.
 */
export function callerOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string | undefined {
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const claims = authorizer?.claims as Record<string, unknown> | undefined;
  const id = authorizer?.userId ?? authorizer?.principalId ?? claims?.sub;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** The caller's identity; a request that reached the function without one is refused with 401. */
export function requireCaller(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string {
  const caller = callerOf(event);
  if (caller === undefined) throw new UnauthorizedError();
  return caller;
}

/** The campaign a route names in its path, as its caller owns it (the services check the ownership). */
export function ownedCampaign(event: Pick<APIGatewayProxyEvent, 'requestContext' | 'pathParameters'>): {
  campaignId: string;
  userId: string;
} {
  return { campaignId: event.pathParameters?.campaignId ?? '', userId: requireCaller(event) };
}

/**
 * The scopes the caller's token grants: a Lambda authorizer's `scopes` context (space-separated), or a Cognito
 * access token's `scope` claim.
 */
export function scopesOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Set<string> {
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const claims = authorizer?.claims as Record<string, unknown> | undefined;
  const scopes = authorizer?.scopes ?? claims?.scope;
  // serverless-offline (locally) replaces the context's scopes with a list read from the same verified token.
  const list = Array.isArray(scopes) ? scopes : typeof scopes === 'string' ? scopes.split(' ') : [];
  return new Set(list.filter((scope): scope is string => typeof scope === 'string' && scope.length > 0));
}

/** Refuses with 403 unless the caller's token grants one of `anyOf`; `what` names the action in the message. */
export function requireScope(
  event: Pick<APIGatewayProxyEvent, 'requestContext'>,
  anyOf: readonly string[],
  what: string,
): void {
  const scopes = scopesOf(event);
  if (!anyOf.some((scope) => scopes.has(scope))) {
    throw new ForbiddenError(`${what} needs a token with the scope ${anyOf.join(' or ')}`);
  }
}
