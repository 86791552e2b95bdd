/**
 * The stack of every HTTP function (API Gateway REST, proxy integration): X-Ray first, then Middy's header
 * normaliser, JSON body parser (routes with a body), validator (a schema precompiled by `npm run schemas`) and
 * error handler, with the project's own middlewares beside them, one per file in `http/`: an optional body read as
 * `{}`, NUL characters refused, every error answer JSON (`{ message, details? }`) with the right status.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import validator from '@middy/validator';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { callerOf } from './http/caller.ts';
import { emptyBodyAsObject } from './http/emptyBodyAsObject.ts';
import { jsonErrors } from './http/jsonErrors.ts';
import { refuseNulCharacters } from './http/refuseNulCharacters.ts';
import type { EventValidator, HttpEvent } from './http/types.ts';
import { type LambdaHandler, tracedChain } from './tracedChain.ts';

export { callerOf, ownedCampaign, requireCaller, requireScope, scopesOf } from './http/caller.ts';
export { json } from './http/jsonErrors.ts';
export type { EventValidator, HttpEvent } from './http/types.ts';

export interface HttpFunctionOptions {
  /** The function's name: the root subsegment's name. */
  name: string;
  /** Validates the event once parsed; the schema lives in schemas/. */
  eventSchema: EventValidator;
  /** The route takes a JSON body; `'optional'`: a request without one (no body, no content type) means `{}`. */
  jsonBody: boolean | 'optional';
  logger: Logger;
}

/** Builds an HTTP function: traced, parsed, validated, with JSON errors. */
export function httpFunction<TBody>(
  options: HttpFunctionOptions,
  handler: LambdaHandler<HttpEvent<TBody>, APIGatewayProxyResult>,
): LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const middlewares: MiddlewareObj<HttpEvent, APIGatewayProxyResult>[] = [
    // Powertools' own: the invocation's context (request id, cold start) on every log line.
    injectLambdaContext(options.logger) as MiddlewareObj<HttpEvent, APIGatewayProxyResult>,
    httpHeaderNormalizer() as MiddlewareObj<HttpEvent, APIGatewayProxyResult>,
    ...(options.jsonBody === 'optional' ? [emptyBodyAsObject()] : []),
    ...(options.jsonBody
      ? [httpJsonBodyParser() as MiddlewareObj<HttpEvent, APIGatewayProxyResult>, refuseNulCharacters()]
      : []),
    // Middy types the validator for its own transpiled schemas; a precompiled ajv function is the same shape.
    validator({ eventSchema: options.eventSchema as never }) as MiddlewareObj<
      HttpEvent,
      APIGatewayProxyResult
    >,
    httpErrorHandler({
      logger: false,
      fallbackMessage: JSON.stringify({ message: 'Internal server error' }),
    }),
    // onError runs in reverse order: this one shapes the error before http-error-handler sends it.
    jsonErrors(options.logger, options.eventSchema),
  ];
  return tracedChain<HttpEvent, APIGatewayProxyResult>(
    {
      name: options.name,
      campaignId: (event) => event.pathParameters?.campaignId,
      userId: (event) => callerOf(event),
      responseStatus: (response) => response.statusCode,
    },
    middlewares,
    handler as LambdaHandler<HttpEvent, APIGatewayProxyResult>,
  ) as LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
}
