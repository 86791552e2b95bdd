/** The authorizer's answers through a fake token verifier: what API Gateway gets for each verdict. */

import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, jest } from '@jest/globals';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { DependencyError } from '../../../src/lib/errors.ts';
import type { TokenVerdict } from '../../../src/services/tokenVerifier.ts';
import { lambdaContext } from '../../helpers/lambda.ts';

Object.assign(process.env, {
  STAGE: 'test',
  AUTH_ISSUER: 'voice-campaign-local',
  AUTH_AUDIENCE: 'voice-campaign-api',
  AUTH_LOCAL_SECRET: 'a-local-development-secret-of-32-chars!',
});
const { build } = await import('../../../src/functions/authorizer.ts');

const event: APIGatewayTokenAuthorizerEvent = {
  type: 'TOKEN',
  authorizationToken: 'Bearer x.y.z',
  methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/blacklist',
};

function authorizer(verify: () => Promise<TokenVerdict>) {
  const logger = new Logger({ serviceName: 'voice-campaign', logLevel: 'SILENT' });
  const info = jest.spyOn(logger, 'info');
  return { handler: build({ tokens: { verify }, logger }), info };
}

describe('authorizer', () => {
  it('allows a verified caller on the whole stage, passing its id and scopes on', async () => {
    // Prepare
    const { handler } = authorizer(async () => ({
      allowed: true,
      userId: 'u-1',
      scopes: ['dnc:write', 'dnc:admin'],
    }));

    // Act
    const answer = await handler(event, lambdaContext('authorizer'));

    // Assess
    expect(answer).toEqual({
      principalId: 'u-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*',
          },
        ],
      },
      context: { userId: 'u-1', scopes: 'dnc:write dnc:admin' },
    });
  });

  it('answers a token that is not valid with a Deny policy and one calm log line, not an error', async () => {
    // Prepare
    const { handler, info } = authorizer(async () => ({ allowed: false, reason: 'expired' }));

    // Act
    const answer = await handler(event, lambdaContext('authorizer'));

    // Assess
    expect(answer.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Deny',
        Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*',
      },
    ]);
    expect(answer.context).toBeUndefined();
    expect(info).toHaveBeenCalledWith('Token refused', { reason: 'expired' });
  });

  it('fails, so the error alarm sees it, when the tokens cannot be checked at all', async () => {
    // Prepare
    const { handler } = authorizer(async () => {
      throw new DependencyError('jwks', 'Token keys unavailable');
    });

    // Act
    const failure = await handler(event, lambdaContext('authorizer')).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(DependencyError);
  });
});
