/** listContacts: GET /campaigns/{campaignId}/contacts?limit=&cursor=: a campaign's contacts in id order, with state. */
import listContactsEvent from '../generated/listContacts.event.validate.cjs';
import { json } from '../middleware/httpStack.ts';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

/** Contacts a page when the caller does not say. */
const DEFAULT_LIMIT = 100;

export const build = campaignRoute(
  { name: 'listContacts', eventSchema: listContactsEvent, jsonBody: false },
  async ({ event, owned, contacts }) => {
    const query = event.queryStringParameters ?? {};
    return json(200, await contacts.list(owned, Number(query.limit ?? DEFAULT_LIMIT), query.cursor));
  },
);

export const handler = build(campaignApiDeps('listContacts'));
