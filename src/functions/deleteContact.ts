/**
 * deleteContact: DELETE /campaigns/{campaignId}/contacts/{contactId}: takes a contact out of a draft campaign (204),
 * by its id, never by its number (no number in any URL).
 */
import deleteContactEvent from '../generated/deleteContact.event.validate.cjs';
import { campaignApiDeps, campaignRoute } from './shared/campaignApi.ts';

export const build = campaignRoute(
  { name: 'deleteContact', eventSchema: deleteContactEvent, jsonBody: false },
  async ({ event, userId, contacts }) => {
    const { campaignId = '', contactId = '' } = event.pathParameters ?? {};
    await contacts.remove({ campaignId, userId }, contactId);
    return { statusCode: 204, body: '' };
  },
);

export const handler = build(campaignApiDeps('deleteContact'));
