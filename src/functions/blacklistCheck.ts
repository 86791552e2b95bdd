/**
 * blacklistCheck: POST /blacklist/lookup `{ phoneNumber }`: whether a number is on the do-not-call list, for any
 * authenticated caller (200 either way; `listed` says); who listed it, why, and its history for dnc:admin.
 */
import blacklistLookupEvent from '../generated/blacklistLookup.event.validate.cjs';
import type { BlacklistLookupRequest } from '../generated/blacklistLookupRequest.ts';
import { json } from '../middleware/httpStack.ts';
import { entryFor } from '../services/blacklistAccess.ts';
import { doNotCallDeps, doNotCallRoute } from './shared/doNotCall.ts';

export const build = doNotCallRoute<BlacklistLookupRequest>(
  { name: 'blacklistCheck', eventSchema: blacklistLookupEvent },
  async ({ phoneNumber, scopes, blacklist }) => {
    const entry = (await blacklist.get(phoneNumber)) ?? { phoneNumber, listed: false, history: [] };
    return json(200, entryFor(entry, scopes));
  },
);

export const handler = build(doNotCallDeps('blacklistCheck'));
