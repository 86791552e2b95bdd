/** API Gateway REST (proxy integration, payload 1.0) events, as the service receives them behind its authorizer. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Query string parameters, as API Gateway passes them (null when none). */
  query?: Record<string, string>;
  /** The resource template, e.g. `/campaigns/{campaignId}/start`. */
  resource: string;
  pathParameters?: Record<string, string>;
  /** The verified caller, as a Lambda authorizer passes it; undefined for a request with no identity. */
  userId?: string;
  /** The scopes its token grants, as the authorizer passes them (space-separated). */
  scopes?: string;
  /** Sent as is (a string), or JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
}

export function apiEvent(request: ApiRequest): APIGatewayProxyEvent {
  const path = Object.entries(request.pathParameters ?? {}).reduce(
    (current, [key, value]) => current.replace(`{${key}}`, encodeURIComponent(value)),
    request.resource,
  );
  const body =
    request.body === undefined
      ? null
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  const headers = {
    Accept: 'application/json',
    Host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'User-Agent': 'curl/8.5.0',
    ...(body !== null ? { 'Content-Type': 'application/json' } : {}),
    ...request.headers,
  };
  return {
    resource: request.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, [value]])),
    queryStringParameters: request.query ?? null,
    multiValueQueryStringParameters: request.query
      ? Object.fromEntries(Object.entries(request.query).map(([key, value]) => [key, [value]]))
      : null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer:
        request.userId === undefined
          ? null
          : {
              principalId: request.userId,
              userId: request.userId,
              scopes: request.scopes ?? '',
              integrationLatency: 12,
            },
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'curl/8.5.0',
        userArn: null,
      },
      path: `/test${path}`,
      stage: 'test',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: request.resource,
    },
  };
}
