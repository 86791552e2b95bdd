/**
 * blacklistRemove: POST /blacklist/remove `{ phoneNumber, reason }`: takes a number off the do-not-call list,
 * keeping the removal, its author and reason in the number's history (200; 404 when it is not listed). Needs the
 * scope dnc:admin.
 */
import blacklistRemoveEvent from '../generated/blacklistRemove.event.validate.cjs';
import type { BlacklistRemoveRequest } from '../generated/blacklistRemoveRequest.ts';
import { NotFoundError } from '../lib/errors.ts';
import { json } from '../middleware/httpStack.ts';
import { entryFor, MAY_REMOVE } from '../services/blacklistAccess.ts';
import { doNotCallDeps, doNotCallRoute } from './shared/doNotCall.ts';

export const build = doNotCallRoute<BlacklistRemoveRequest>(
  {
    name: 'blacklistRemove',
    eventSchema: blacklistRemoveEvent,
    requires: { scopes: MAY_REMOVE, action: 'Taking a number off the do-not-call list' },
  },
  async ({ body, change, scopes, phoneHash, blacklist, logger }) => {
    const entry = await blacklist.remove({ ...change, reason: body.reason });
    if (entry === undefined) throw new NotFoundError('Number is not on the blacklist');
    logger.info('Number removed from the blacklist', { phoneHash, removedBy: change.by });
    return json(200, entryFor(entry, scopes));
  },
);

export const handler = build(doNotCallDeps('blacklistRemove'));
