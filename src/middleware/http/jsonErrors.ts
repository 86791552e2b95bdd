/**
 * Every error answer as JSON (`{ message, details? }`) with the right status; an error that is not meant for the
 * caller becomes a plain 500 (Middy's http-error-handler sends it) and is logged, numbers masked.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj, Request } from '@middy/core';
import { createError } from '@middy/util';
import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  DependencyError,
  describeCause,
  ServiceError,
  statusCodeOf,
  ValidationError,
} from '../../lib/errors.ts';
import { describeSchemaErrors } from '../../lib/schemaErrors.ts';
import type { EventValidator, HttpEvent } from './types.ts';

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

export function jsonErrors(
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
