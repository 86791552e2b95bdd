/**
 * blacklistAdd: POST /blacklist `{ phoneNumber, reason? }`: puts a number on the do-not-call list (201; 200 when it
 * is listed already, its entry unchanged). Needs the scope dnc:write or dnc:admin.
 */
import blacklistAddEvent from '../generated/blacklistAdd.event.validate.cjs';
import type { BlacklistAddRequest } from '../generated/blacklistAddRequest.ts';
import { blacklistConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { currentSpan } from '../lib/tracing.ts';
import { httpFunction, json, requireCaller, requireScope, scopesOf } from '../middleware/httpStack.ts';
import { entryFor, MAY_ADD } from '../services/blacklistAccess.ts';
import { createBlacklistService } from '../services/blacklistService.ts';

const phone = openPhoneHashing();
const logger = createLogger('blacklistAdd');
const blacklist = createBlacklistService({
  dynamo: dynamoClient,
  tableName: blacklistConfig().blacklistTable,
});

export const handler = httpFunction<BlacklistAddRequest>(
  { name: 'blacklistAdd', eventSchema: blacklistAddEvent, jsonBody: true, logger },
  async (event) => {
    const userId = requireCaller(event);
    requireScope(event, MAY_ADD, 'Adding a number to the do-not-call list');
    const { e164, hash } = await phone.read(event.body.phoneNumber);
    currentSpan().annotate('phoneHash', hash);
    const { entry, created } = await blacklist.add({
      phoneNumber: e164,
      by: userId,
      at: new Date().toISOString(),
      reason: event.body.reason,
      phoneHash: hash,
    });
    logger.info(created ? 'Number added to the blacklist' : 'Number already on the blacklist', {
      phoneHash: hash,
    });
    return json(created ? 201 : 200, entryFor(entry, scopesOf(event)));
  },
);
