/**
 * What the three do-not-call functions share: their wiring (phone hashing, the list, a logger, made once per function
 * instance) and the first steps of every request (the caller, the scope the route needs, the number in the body read
 * and hashed, the hash on the trace). Each function file says only what its route does.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { blacklistConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import type { E164 } from '../lib/phone.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { currentSpan } from '../lib/tracing.ts';
import {
  type EventValidator,
  httpFunction,
  requireCaller,
  requireScope,
  scopesOf,
} from '../middleware/httpStack.ts';
import { type BlacklistService, createBlacklistService } from '../services/blacklistService.ts';

export interface DoNotCallRequest<TBody> {
  body: TBody;
  userId: string;
  scopes: ReadonlySet<string>;
  phoneNumber: E164;
  phoneHash: string;
  blacklist: BlacklistService;
  logger: Logger;
}

export function doNotCallFunction<TBody extends { phoneNumber: string }>(
  options: {
    name: string;
    eventSchema: EventValidator;
    /** The token scopes the route needs (any one of them), and what it does, for the refusal's message. */
    requires?: { scopes: readonly string[]; action: string };
  },
  handle: (request: DoNotCallRequest<TBody>) => Promise<APIGatewayProxyResult>,
) {
  const phone = openPhoneHashing();
  const logger = createLogger(options.name);
  const blacklist = createBlacklistService({
    dynamo: dynamoClient,
    tableName: blacklistConfig().blacklistTable,
  });
  return httpFunction<TBody>(
    { name: options.name, eventSchema: options.eventSchema, jsonBody: true, logger },
    async (event) => {
      const userId = requireCaller(event);
      if (options.requires) requireScope(event, options.requires.scopes, options.requires.action);
      const { e164, hash } = await phone.read(event.body.phoneNumber);
      currentSpan().annotate('phoneHash', hash);
      return handle({
        body: event.body,
        userId,
        scopes: scopesOf(event),
        phoneNumber: e164,
        phoneHash: hash,
        blacklist,
        logger,
      });
    },
  );
}
