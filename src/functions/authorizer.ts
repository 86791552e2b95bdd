/**
 * authorizer: the API's Lambda TOKEN authorizer. Verifies the bearer token and allows the caller on the whole API
 * (the answer is cached per token), passing the verified user id and the token's scopes to the functions as
 * `requestContext.authorizer`.
 *
 * A token that is not valid gets a Deny policy (API Gateway answers 403), a normal answer: no error in the logs, the
 * traces or the function's error metric, whose alarm is kept for real failures (the identity provider's keys out of
 * reach, a crash). A request without an Authorization header never gets here: API Gateway answers it 401 itself.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authConfig, functionConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { traceOutboundFetch } from '../lib/tracing.ts';
import { tracedChain } from '../middleware/tracedChain.ts';
import { createTokenVerifier, type TokenVerifier } from '../services/tokenVerifier.ts';

/** `arn:...:apiId/stage/*`: every method and route of the stage the request came to. */
function wholeStage(methodArn: string): string {
  return methodArn.split('/').slice(0, 2).join('/').concat('/*');
}

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  methodArn: string,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: wholeStage(methodArn) }],
    },
  };
}

export function build({ tokens, logger }: { tokens: TokenVerifier; logger: Logger }) {
  return tracedChain<APIGatewayTokenAuthorizerEvent, APIGatewayAuthorizerResult>(
    { name: 'authorizer' },
    [],
    async (event) => {
      const verdict = await tokens.verify(event.authorizationToken);
      if (!verdict.allowed) {
        logger.info('Token refused', { reason: verdict.reason });
        return policy('refused', 'Deny', event.methodArn);
      }
      logger.debug('Caller verified', { userId: verdict.userId, scopes: verdict.scopes });
      // Context values must be strings, numbers or booleans: the scopes go as OAuth writes them, space-separated.
      const context = { userId: verdict.userId, scopes: verdict.scopes.join(' ') };
      return { ...policy(verdict.userId, 'Allow', event.methodArn), context };
    },
  );
}

const { auth } = functionConfig({ auth: authConfig });
// The identity provider's key set is downloaded with fetch: traced like the AWS SDK's calls.
traceOutboundFetch();
export const handler = build({ tokens: createTokenVerifier(auth), logger: createLogger('authorizer') });
