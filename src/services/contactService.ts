/**
 * A campaign's contacts through the API, for its owner: added in batches (each row checked and normalised, refused
 * rows named by index and reason, a number or id already there not added twice), listed by id, taken out one by one.
 * Contacts change while the campaign is a draft; a started campaign keeps them (cancel it instead).
 */
import { candidateZones } from '../domain/candidateZones.ts';
import {
  ALREADY_IN_CAMPAIGN_REASON,
  type ContactInput,
  type ContactRow,
  firstOfEach,
  REPEATED_IN_BATCH_REASON,
  readContact,
} from '../domain/contactInput.ts';
import { ConflictError, NotFoundError } from '../lib/errors.ts';
import type { CampaignDefinitionRepository } from '../repositories/campaignDefinitionRepository.ts';
import type { ContactRepository } from '../repositories/contactRepository.ts';
import { loadOwnedDefinition } from './campaignDefinitionService.ts';
import type { OwnedCampaign } from './campaignService.ts';

export interface ContactServiceDeps {
  definitions: Pick<CampaignDefinitionRepository, 'find'>;
  contacts: ContactRepository;
  newId: () => string;
}

export function createContactService({ definitions, contacts, newId }: ContactServiceDeps) {
  async function draft(campaign: OwnedCampaign, what: string) {
    const found = await loadOwnedDefinition(definitions, campaign);
    if (found.status !== 'draft')
      throw new ConflictError(`${what} while the campaign is a draft only; it is ${found.status}`);
    return found;
  }

  return {
    async add(campaign: OwnedCampaign, inputs: readonly ContactInput[]) {
      const { settings } = await draft(campaign, 'Contacts can be added');
      const refused: Array<{ index: number; reason: string }> = [];
      const rows: Array<{ index: number; row: ContactRow }> = [];
      inputs.forEach((input, index) => {
        const read = readContact(input, settings, newId);
        if ('reason' in read) refused.push({ index, reason: read.reason });
        else rows.push({ index, row: read.row });
      });
      const { first, repeated } = firstOfEach(rows);
      const added = await contacts.add(
        campaign.campaignId,
        first.map(({ row }) => row),
      );
      for (const { index, row } of first)
        if (!added.has(row.id)) refused.push({ index, reason: ALREADY_IN_CAMPAIGN_REASON });
      for (const { index } of repeated) refused.push({ index, reason: REPEATED_IN_BATCH_REASON });
      refused.sort((a, b) => a.index - b.index);
      return { added: added.size, refused };
    },

    async list(campaign: OwnedCampaign, limit: number, cursor?: string) {
      await loadOwnedDefinition(definitions, campaign);
      const page = await contacts.list(campaign.campaignId, limit, cursor);
      const last = page.at(-1);
      // Each contact with the zones the calling rules see for it now, and where each came from.
      const shown = page.map((contact) => ({ ...contact, zones: candidateZones(contact).sources }));
      return { contacts: shown, ...(page.length === limit && last ? { next: last.id } : {}) };
    },

    /** A contact's attempts with their results and compliance records. */
    async attempts(campaign: OwnedCampaign, contactId: string) {
      await loadOwnedDefinition(definitions, campaign);
      const attempts = await contacts.attempts(campaign.campaignId, contactId);
      if (attempts === undefined) throw new NotFoundError('Contact not found');
      return { contactId, attempts };
    },

    async remove(campaign: OwnedCampaign, contactId: string) {
      await draft(campaign, 'Contacts can be taken out');
      if (!(await contacts.remove(campaign.campaignId, contactId)))
        throw new NotFoundError('Contact not found');
    },
  };
}

export type ContactService = ReturnType<typeof createContactService>;
