/**
 * blacklistRemove: POST /blacklist/remove `{ phoneNumber, reason }`: takes a number off the do-not-call list,
 * keeping the removal, its author and reason in the number's history (200; 404 when it is not listed). Needs the
 * scope dnc:admin.
 */
import blacklistRemoveEvent from '../generated/blacklistRemove.event.validate.cjs';
import type { BlacklistRemoveRequest } from '../generated/blacklistRemoveRequest.ts';
import { blacklistConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { NotFoundError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { currentSpan } from '../lib/tracing.ts';
import { httpFunction, json, requireCaller, requireScope, scopesOf } from '../middleware/httpStack.ts';
import { entryFor, MAY_REMOVE } from '../services/blacklistAccess.ts';
import { createBlacklistService } from '../services/blacklistService.ts';

const phone = openPhoneHashing();
const logger = createLogger('blacklistRemove');
const blacklist = createBlacklistService({
  dynamo: dynamoClient,
  tableName: blacklistConfig().blacklistTable,
});

export const handler = httpFunction<BlacklistRemoveRequest>(
  { name: 'blacklistRemove', eventSchema: blacklistRemoveEvent, jsonBody: true, logger },
  async (event) => {
    const userId = requireCaller(event);
    requireScope(event, MAY_REMOVE, 'Taking a number off the do-not-call list');
    const { e164, hash } = await phone.read(event.body.phoneNumber);
    currentSpan().annotate('phoneHash', hash);
    const entry = await blacklist.remove({
      phoneNumber: e164,
      by: userId,
      at: new Date().toISOString(),
      reason: event.body.reason,
      phoneHash: hash,
    });
    if (entry === undefined) throw new NotFoundError('Number is not on the blacklist');
    logger.info('Number removed from the blacklist', { phoneHash: hash, removedBy: userId });
    return json(200, entryFor(entry, scopesOf(event)));
  },
);
