/** An in-memory do-not-call list: numbers listed, each change kept, and a switch to make it fail as DynamoDB would. */
import { DependencyError } from '../../src/lib/errors.ts';
import type { BlacklistEntry, BlacklistService, ListingChange } from '../../src/services/blacklistService.ts';

export interface FakeBlacklist extends BlacklistService {
  readonly changes: Array<ListingChange & { action: 'add' | 'remove' }>;
  /** While true, every call fails with a DependencyError (a retryable failure). */
  down: boolean;
}

export function fakeBlacklistService(listed: readonly string[] = []): FakeBlacklist {
  const entries = new Map<string, BlacklistEntry>(
    listed.map((phoneNumber) => [phoneNumber, { phoneNumber, listed: true, history: [] }]),
  );
  const fake: FakeBlacklist = {
    changes: [],
    down: false,
    async findBlacklisted(numbers) {
      check();
      return new Set(numbers.filter((number) => entries.get(number)?.listed));
    },
    async get(phoneNumber) {
      check();
      return entries.get(phoneNumber);
    },
    async add(change) {
      check();
      fake.changes.push({ ...change, action: 'add' });
      const current = entries.get(change.phoneNumber);
      if (current?.listed) return { entry: current, created: false };
      const { phoneNumber, phoneHash, ...event } = change;
      const entry: BlacklistEntry = {
        phoneNumber,
        listed: true,
        addedBy: change.by,
        addedAt: change.at,
        history: [...(current?.history ?? []), { action: 'add', phoneHash, ...event }],
      };
      entries.set(phoneNumber, entry);
      return { entry, created: true };
    },
    async remove(change) {
      check();
      fake.changes.push({ ...change, action: 'remove' });
      const current = entries.get(change.phoneNumber);
      if (!current?.listed) return undefined;
      const { phoneNumber, phoneHash, ...event } = change;
      const entry: BlacklistEntry = {
        phoneNumber,
        listed: false,
        history: [...current.history, { action: 'remove', phoneHash, ...event }],
      };
      entries.set(phoneNumber, entry);
      return entry;
    },
  };
  function check() {
    if (fake.down) throw new DependencyError('dynamodb', 'The do-not-call table is unavailable');
  }
  return fake;
}
