/**
 * listAttempts: GET /campaigns/{campaignId}/contacts/{contactId}/attempts: a contact's call attempts, first to last,
 * each with its outcome, what the telephony reported, and its compliance record (why it was allowed or skipped, as
 * known then). For the campaign's owner; 404 for anyone else.
 */
import listAttemptsEvent from '../generated/listAttempts.event.validate.cjs';
import { json } from '../middleware/httpStack.ts';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

export const build = campaignRoute(
  { name: 'listAttempts', eventSchema: listAttemptsEvent, jsonBody: false },
  async ({ event, userId, contacts }) => {
    const { campaignId = '', contactId = '' } = event.pathParameters ?? {};
    return json(200, await contacts.attempts({ campaignId, userId }, contactId));
  },
);

export const handler = build(campaignApiDeps('listAttempts'));
