import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ValidationError } from '../../lib/errors.ts';
import type { HttpEvent } from './types.ts';

/**
 * Refuses a body holding a NUL character in any string: no field takes one, and PostgreSQL's text and jsonb cannot
 * store it (it would fail the request as a database error). Walked without recursion: a body may nest deeply.
 */
export function refuseNulCharacters(): MiddlewareObj<HttpEvent, APIGatewayProxyResult> {
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
