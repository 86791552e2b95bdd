/**
 * What the three do-not-call functions share: the first steps of every request (the caller, the scope the route
 * needs, the number in the body read and hashed, the hash on the trace) and their wiring (phone hashing, the list,
 * a logger, made once per function instance). Each function file says only what its route does.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { clockOf } from '../../lib/clock.ts';
import { blacklistConfig, clockConfig, functionConfig, phoneConfig } from '../../lib/config.ts';
import { createLogger } from '../../lib/logger.ts';
import type { E164 } from '../../lib/phone.ts';
import { openPhoneHashing, type PhoneHashing } from '../../lib/phoneHashKey.ts';
import { currentSpan } from '../../lib/tracing.ts';
import {
  type EventValidator,
  httpFunction,
  requireCaller,
  requireScope,
  scopesOf,
} from '../../middleware/httpStack.ts';
import type { BlacklistService, ListingChange } from '../../services/blacklistService.ts';
import { openDoNotCallList } from './doNotCallList.ts';

export interface DoNotCallRequest<TBody> {
  body: TBody;
  userId: string;
  scopes: ReadonlySet<string>;
  phoneNumber: E164;
  phoneHash: string;
  /** A change of the listing asked for now by the caller, its reason aside: the number, its hash, who and when. */
  change: Omit<ListingChange, 'reason'>;
  blacklist: BlacklistService;
  logger: Logger;
}

export interface DoNotCallDeps {
  phone: PhoneHashing;
  blacklist: BlacklistService;
  logger: Logger;
  now: () => Date;
}

/** A do-not-call route: `build(deps)` makes its handler (the real deps: `doNotCallDeps`). */
export function doNotCallRoute<TBody extends { phoneNumber: string }>(
  options: {
    name: string;
    eventSchema: EventValidator;
    /** The token scopes the route needs (any one of them), and what it does, for the refusal's message. */
    requires?: { scopes: readonly string[]; action: string };
  },
  handle: (request: DoNotCallRequest<TBody>) => Promise<APIGatewayProxyResult>,
) {
  return ({ phone, blacklist, logger, now }: DoNotCallDeps) =>
    httpFunction<TBody>(
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
          change: { phoneNumber: e164, phoneHash: hash, by: userId, at: now().toISOString() },
          blacklist,
          logger,
        });
      },
    );
}

/** The real dependencies of the do-not-call function `name`, made once per function instance. */
export function doNotCallDeps(name: string): DoNotCallDeps {
  // Every setting the function needs, checked at once: one error names all that are missing or malformed.
  const config = functionConfig({ phone: phoneConfig, blacklist: blacklistConfig, clock: clockConfig });
  return {
    phone: openPhoneHashing(),
    blacklist: openDoNotCallList(),
    logger: createLogger(name),
    now: clockOf(config.clock),
  };
}
