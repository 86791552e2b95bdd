import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpEvent } from './types.ts';

/**
 * A request with no body, to a route whose body is optional, is read as `{}` when it names no content type or JSON
 * (most clients send `Content-Type: application/json` on every request): the parser then has JSON to read. A body,
 * or an empty one of another type, is left to the parser (which refuses a type that is not JSON: 415).
 */
export function emptyBodyAsObject(): MiddlewareObj<HttpEvent, APIGatewayProxyResult> {
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
