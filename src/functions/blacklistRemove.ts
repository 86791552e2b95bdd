/** blacklistRemove: DELETE /blacklist/{phoneNumber}: takes a number off the do-not-call list (204, or 404). */
import blacklistNumberEvent from '../generated/blacklistNumber.event.validate.cjs';
import { blacklistConfig } from '../lib/config.ts';
import { dynamoClient } from '../lib/dynamoClient.ts';
import { NotFoundError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { openPhoneHashing } from '../lib/phoneHashKey.ts';
import { currentSpan } from '../lib/tracing.ts';
import { httpFunction, requireCaller } from '../middleware/httpStack.ts';
import { createBlacklistService } from '../services/blacklistService.ts';

const phone = openPhoneHashing();
const logger = createLogger('blacklistRemove');
const blacklist = createBlacklistService({
  dynamo: dynamoClient,
  tableName: blacklistConfig().blacklistTable,
});

export const handler = httpFunction(
  { name: 'blacklistRemove', eventSchema: blacklistNumberEvent, jsonBody: false, logger },
  async (event, context) => {
    logger.addContext(context);
    const userId = requireCaller(event);
    const { e164, hash } = await phone.fromPath(event.pathParameters?.phoneNumber);
    currentSpan().annotate('phoneHash', hash);
    if (!(await blacklist.remove(e164))) throw new NotFoundError('Number is not on the blacklist');
    logger.info('Number removed from the blacklist', { phoneHash: hash, removedBy: userId });
    return { statusCode: 204, body: '' };
  },
);
