/**
 * The stack of every HTTP function (API Gateway REST, proxy integration): X-Ray first, then Middy's header
 * normaliser, JSON body parser (routes with a body), validator (a schema precompiled by `npm run schemas`), and
 * error handler. Every error answer is JSON (`{ message, details? }`) with the right status; an error that is not
 * meant for the caller becomes a plain 500 and is logged, numbers masked.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj, Request } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { createError } from '@middy/util';
import validator from '@middy/validator';
import type { ErrorObject } from 'ajv';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  DependencyError,
  describeCause,
  ForbiddenError,
  ServiceError,
  statusCodeOf,
  UnauthorizedError,
  ValidationError,
} from '../lib/errors.ts';
import { describeSchemaErrors } from '../lib/schemaErrors.ts';
import { type LambdaHandler, tracedChain } from './tracedChain.ts';

/** A precompiled validator (src/generated/*.event.validate.cjs). */
export interface EventValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export interface HttpFunctionOptions {
  /** The function's name: the root subsegment's name. */
  name: string;
  /** Validates the event once parsed; the schema lives in schemas/. */
  eventSchema: EventValidator;
  /** The route takes a JSON body; `'optional'`: a request without one (no body, no content type) means `{}`. */
  jsonBody: boolean | 'optional';
  logger: Logger;
}

/** An API Gateway event after parsing and validation: `body` is the parsed JSON (or null without a body). */
export type HttpEvent<TBody = unknown> = Omit<APIGatewayProxyEvent, 'body'> & { body: TBody };

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

/** A JSON response. */
export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

type JsonError = { status: number; message: string; details?: string[] };

/**
 * What a failed request answers, `{ message, details? }` with its status, from public facts only: the project's
 * errors by class; Middy's (from the body parser and the validator) by status, the validator's field
 * errors found by validating the event again (on the error path alone). Undefined: not for the caller (500).
 */
function toJsonError(error: unknown, event: unknown, validate: EventValidator): JsonError | undefined {
  if (error instanceof DependencyError) {
    // Ours to retry, not the caller's fault: 503 tells a client to try again; which dependency stays in the logs.
    return { status: 503, message: 'Service temporarily unavailable; try again later' };
  }
  if (error instanceof ServiceError) {
    if (!error.expose) return undefined;
    const details =
      error instanceof ValidationError && error.details.length > 0 ? [...error.details] : undefined;
    return { status: error.statusCode, message: error.message, details };
  }
  // Middy's errors carry `statusCode` (its http-error-handler's contract); their class is not relied on, as each
  // middleware package may bring its own copy of @middy/util.
  const status = statusCodeOf(error);
  if (status >= 500) return undefined;
  switch (status) {
    case 400:
      return validate(event)
        ? { status: 400, message: 'The request is not valid' }
        : {
            status: 400,
            message: 'The request is not valid',
            details: describeSchemaErrors(validate.errors),
          };
    case 415:
      return { status: 415, message: 'Content-Type must be application/json' };
    case 422:
      // The body parser's answer to a body that is not JSON: a bad request, as API Gateway's own validation says.
      return { status: 400, message: 'The request body is not valid JSON' };
    default:
      return { status, message: error instanceof Error ? error.message : 'The request was refused' };
  }
}

function jsonErrors(
  logger: Logger,
  validate: EventValidator,
): MiddlewareObj<HttpEvent, APIGatewayProxyResult> {
  const jsonErrorsOnError = (request: Request<HttpEvent, APIGatewayProxyResult>): void => {
    if (request.response !== undefined || request.error === null) return;
    const answer = toJsonError(request.error, request.event, validate);
    if (answer === undefined) {
      logger.error('Request failed', {
        error: describeCause(request.error),
        status: statusCodeOf(request.error),
      });
      return;
    }
    const { status, ...body } = answer;
    // http-error-handler sends an exposed error's message as the body, typed JSON when it is JSON.
    request.error = createError(status, JSON.stringify(body), { expose: true, cause: request.error });
  };
  return { onError: jsonErrorsOnError };
}

/**
 * Refuses a body holding a NUL character in any string: no field takes one, and PostgreSQL's text and jsonb cannot
 * store it (it would fail the request as a database error). Walked without recursion: a body may nest deeply.
 */
function refuseNulCharacters(): MiddlewareObj<HttpEvent, APIGatewayProxyResult> {
  return {
    before: (request) => {
      const pending: unknown[] = [request.event.body];
      while (pending.length > 0) {
        const value = pending.pop();
        if (typeof value === 'string') {
          if (value.includes('\u0000'))
            throw new ValidationError('The request holds a NUL character, which no field accepts');
        } else if (value !== null && typeof value === 'object') {
          pending.push(...Object.keys(value), ...Object.values(value));
        }
      }
    },
  };
}

/**
 * A request with no body, to a route whose body is optional, is read as `{}` when it names no content type or JSON
 * (most clients send `Content-Type: application/json` on every request): the parser then has JSON to read. A body,
 * or an empty one of another type, is left to the parser (which refuses a type that is not JSON: 415).
 */
function emptyBodyAsObject(): MiddlewareObj<HttpEvent, APIGatewayProxyResult> {
  return {
    before: (request) => {
      const event = request.event as unknown as APIGatewayProxyEvent;
      const headers = event.headers ?? {};
      const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
      const json = !type || /^application\/json\s*(;|$)/i.test(type);
      if ((event.body === null || event.body === undefined || event.body === '') && json) {
        event.body = '{}';
        event.headers = { ...headers, 'content-type': 'application/json' };
      }
    },
  };
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
