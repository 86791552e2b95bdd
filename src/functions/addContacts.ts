/**
 * addContacts: POST /campaigns/{campaignId}/contacts `{ contacts: [...] }` (up to 1,000): adds a draft campaign's
 * contacts, numbers normalised to E.164 with its region, zones found; answers how many were added and, per refused
 * row, its index and reason (a number or id already there is not added twice).
 */
import addContactsEvent from '../generated/addContacts.event.validate.cjs';
import type { AddContactsRequest } from '../generated/addContactsRequest.ts';
import { json } from '../middleware/httpStack.ts';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

export const build = campaignRoute<AddContactsRequest>(
  { name: 'addContacts', eventSchema: addContactsEvent, jsonBody: true },
  async ({ event, owned, contacts }) => json(200, await contacts.add(owned, event.body.contacts)),
);

export const handler = build(campaignApiDeps('addContacts'));
