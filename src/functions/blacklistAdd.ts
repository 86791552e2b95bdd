/** blacklistAdd: PUT /blacklist/{phoneNumber}: puts a number on the do-not-call list (201; 200 if already there). */
import blacklistPutEvent from '../generated/blacklistPut.event.validate.cjs';
import type { BlacklistRequest } from '../generated/blacklistRequest.ts';
import { blacklistConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { currentSpan } from '../lib/tracing.ts';
import { httpFunction, json, requireCaller } from '../middleware/httpStack.ts';
import { createBlacklistService } from '../services/blacklistService.ts';

const phone = openPhoneHashing();
const logger = createLogger('blacklistAdd');
const blacklist = createBlacklistService({
  dynamo: dynamoClient,
  tableName: blacklistConfig().blacklistTable,
});

export const handler = httpFunction<BlacklistRequest>(
  { name: 'blacklistAdd', eventSchema: blacklistPutEvent, jsonBody: true, logger },
  async (event, context) => {
    logger.addContext(context);
    const userId = requireCaller(event);
    const { e164, hash } = await phone.fromPath(event.pathParameters?.phoneNumber);
    currentSpan().annotate('phoneHash', hash);
    const { entry, created } = await blacklist.add({
      phoneNumber: e164,
      addedBy: userId,
      addedAt: new Date().toISOString(),
      ...(event.body.reason ? { reason: event.body.reason } : {}),
    });
    logger.info(created ? 'Number added to the blacklist' : 'Number already on the blacklist', {
      phoneHash: hash,
    });
    return json(created ? 201 : 200, { ...entry, blacklisted: true });
  },
);
