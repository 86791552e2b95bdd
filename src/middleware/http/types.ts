/** The shapes the HTTP stack's middlewares share. */
import type { ErrorObject } from 'ajv';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/** A precompiled validator (src/generated/*.event.validate.cjs). */
export interface EventValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** An API Gateway event after parsing and validation: `body` is the parsed JSON (or null without a body). */
export type HttpEvent<TBody = unknown> = Omit<APIGatewayProxyEvent, 'body'> & { body: TBody };
