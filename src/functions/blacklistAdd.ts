/**
 * blacklistAdd: POST /blacklist `{ phoneNumber, reason? }`: puts a number on the do-not-call list (201; 200 when it
 * is listed already, its entry unchanged). Needs the scope dnc:write or dnc:admin.
 */
import blacklistAddEvent from '../generated/blacklistAdd.event.validate.cjs';
import type { BlacklistAddRequest } from '../generated/blacklistAddRequest.ts';
import { json } from '../middleware/httpStack.ts';
import { entryFor, MAY_ADD } from '../services/blacklistAccess.ts';
import { doNotCallDeps, doNotCallRoute } from './shared/doNotCall.ts';

export const build = doNotCallRoute<BlacklistAddRequest>(
  {
    name: 'blacklistAdd',
    eventSchema: blacklistAddEvent,
    requires: { scopes: MAY_ADD, action: 'Adding a number to the do-not-call list' },
  },
  async ({ body, change, scopes, phoneHash, blacklist, logger }) => {
    const { entry, created } = await blacklist.add({ ...change, reason: body.reason });
    logger.info(created ? 'Number added to the blacklist' : 'Number already on the blacklist', { phoneHash });
    return json(created ? 201 : 200, entryFor(entry, scopes));
  },
);

export const handler = build(doNotCallDeps('blacklistAdd'));
