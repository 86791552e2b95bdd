/**
 * blacklistCheck: POST /blacklist/lookup `{ phoneNumber }`: whether a number is on the do-not-call list, for any
 * authenticated caller (200 either way; `listed` says); who listed it, why, and its history for dnc:admin.
 */
import blacklistLookupEvent from '../generated/blacklistLookup.event.validate.cjs';
import type { BlacklistLookupRequest } from '../generated/blacklistLookupRequest.ts';
import { blacklistConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { currentSpan } from '../lib/tracing.ts';
import { httpFunction, json, requireCaller, scopesOf } from '../middleware/httpStack.ts';
import { entryFor } from '../services/blacklistAccess.ts';
import { createBlacklistService } from '../services/blacklistService.ts';

const phone = openPhoneHashing();
const logger = createLogger('blacklistCheck');
const blacklist = createBlacklistService({
  dynamo: dynamoClient,
  tableName: blacklistConfig().blacklistTable,
});

export const handler = httpFunction<BlacklistLookupRequest>(
  { name: 'blacklistCheck', eventSchema: blacklistLookupEvent, jsonBody: true, logger },
  async (event) => {
    requireCaller(event);
    const { e164, hash } = await phone.read(event.body.phoneNumber);
    currentSpan().annotate('phoneHash', hash);
    const entry = (await blacklist.get(e164)) ?? { phoneNumber: e164, listed: false, history: [] };
    return json(200, entryFor(entry, scopesOf(event)));
  },
);
