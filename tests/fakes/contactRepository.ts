/** An in-memory ContactRepository: a campaign's contacts, one per id and per number, as the table's keys keep them. */
import type { ContactRow } from '../../src/domain/contactInput.ts';
import type {
  AttemptView,
  ContactRepository,
  StoredContact,
} from '../../src/repositories/contactRepository.ts';

export function fakeContactRepository(): ContactRepository & {
  readonly contacts: Map<string, StoredContact[]>;
  readonly attemptsOf: Map<string, AttemptView[]>;
} {
  const contacts = new Map<string, StoredContact[]>();
  const attemptsOf = new Map<string, AttemptView[]>();
  const of = (campaignId: string) => contacts.get(campaignId) ?? [];
  return {
    contacts,
    attemptsOf,
    async add(campaignId, rows: readonly ContactRow[]) {
      const stored = of(campaignId);
      const added = new Set<string>();
      for (const row of rows) {
        if (stored.some((c) => c.id === row.id || c.phoneNumber === row.phoneNumber)) continue;
        stored.push(row);
        added.add(row.id);
      }
      contacts.set(campaignId, stored);
      return added;
    },
    async list(campaignId, limit, after) {
      return [...of(campaignId)]
        .sort((a, b) => a.id.localeCompare(b.id))
        .filter((c) => after === undefined || c.id > after)
        .slice(0, limit);
    },
    async remove(campaignId, contactId) {
      const stored = of(campaignId);
      const kept = stored.filter((c) => c.id !== contactId);
      contacts.set(campaignId, kept);
      return kept.length < stored.length;
    },
    async attempts(campaignId, contactId) {
      if (!of(campaignId).some((c) => c.id === contactId)) return undefined;
      return attemptsOf.get(`${campaignId}:${contactId}`) ?? [];
    },
  };
}
