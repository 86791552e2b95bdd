/**
 * authorizer: the API's Lambda TOKEN authorizer. Verifies the bearer token and allows the caller on the whole API
 * (the answer is cached per token), passing the verified user id to the functions as `requestContext.authorizer`.
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { tracedChain } from '../middleware/tracedChain.ts';
import { createTokenVerifier } from '../services/tokenVerifier.ts';

const logger = createLogger('authorizer');
const tokens = createTokenVerifier(authConfig());

/** `arn:...:apiId/stage/*`: every method and route of the stage the request came to. */
function wholeStage(methodArn: string): string {
  return methodArn.split('/').slice(0, 2).join('/').concat('/*');
}

export const handler = tracedChain<APIGatewayTokenAuthorizerEvent, APIGatewayAuthorizerResult>(
  { name: 'authorizer' },
  [],
  async (event) => {
    const userId = await tokens.verify(event.authorizationToken);
    logger.debug('Caller verified', { userId });
    return {
      principalId: userId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeStage(event.methodArn) }],
      },
      context: { userId },
    };
  },
);
