/** blacklistCheck: GET /blacklist/{phoneNumber}: whether a number is on the do-not-call list (200, or 404). */
import blacklistNumberEvent from '../generated/blacklistNumber.event.validate.cjs';
import { blacklistConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { NotFoundError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { currentSpan } from '../lib/tracing.ts';
import { httpFunction, json, requireCaller } from '../middleware/httpStack.ts';
import { createBlacklistService } from '../services/blacklistService.ts';

const phone = openPhoneHashing();
const logger = createLogger('blacklistCheck');
const blacklist = createBlacklistService({
  dynamo: dynamoClient,
  tableName: blacklistConfig().blacklistTable,
});

export const handler = httpFunction(
  { name: 'blacklistCheck', eventSchema: blacklistNumberEvent, jsonBody: false, logger },
  async (event, context) => {
    logger.addContext(context);
    requireCaller(event);
    const { e164, hash } = await phone.fromPath(event.pathParameters?.phoneNumber);
    currentSpan().annotate('phoneHash', hash);
    const entry = await blacklist.get(e164);
    if (entry === undefined) throw new NotFoundError('Number is not on the blacklist');
    return json(200, { ...entry, blacklisted: true });
  },
);
