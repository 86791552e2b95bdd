/**
 * Call attempts in Postgres. A batch of dial tasks takes two round trips whatever its size: one transaction to claim
 * the attempts (its numbers locked with the facts of their calling hours read, the claim, and, when some were, contacts
 * sent back to the schedule or ended as listed), one statement to record how they ended. The attempt's key (campaign, contact, attempt) is its dialId.
 */

import type { CallingWindow } from '../domain/callingHours.ts';
import {
  type CallSettings,
  type ClaimRequest,
  type ClaimResult,
  type Claims,
  claimResultOf,
  claimRounds,
  dueAgainAt,
  type HoursCheck,
  type RecipientLimit,
  type SentCall,
} from '../domain/claim.ts';
import type { Database } from '../lib/database.ts';
import { type AttemptKey, dialIdOf } from '../lib/dialId.ts';
import {
  CLAIM_SQL,
  type ClaimRow,
  CONTACT_STEPS_SQL,
  claimFactsOf,
  LOCK_AND_FACTS_SQL,
  OUTCOMES_SQL,
} from './attemptStatements.ts';

export interface AttemptRepository {
  /** Claims the attempts at `at` (the dialer's clock), each checked against its contact's calling hours then. */
  claim(
    requests: readonly ClaimRequest[],
    options: { leaseSeconds: number; limits: readonly RecipientLimit[]; at: Date; hours: HoursCheck },
  ): Promise<Claims>;
  /** Marks sent calls `initiated` at `at` and releases the claim of calls that could not be sent. */
  recordOutcomes(
    outcome: { initiated: readonly SentCall[]; released: readonly AttemptKey[] },
    at: Date,
  ): Promise<void>;
}

export function createAttemptRepository(db: Database): AttemptRepository {
  return {
    claim(requests, { leaseSeconds, limits, at, hours }) {
      if (requests.length === 0) return Promise.resolve({ results: new Map(), calls: new Map() });
      return db.transaction(async (query) => {
        // One number's claims one at a time, across every invocation: the count of its recent calls that decides
        // the limit is then read after any other claim of it committed (read committed: a fresh snapshot). With the
        // locks, the facts of each contact's calling hours now; a task whose contact does not exist is refused by
        // the claim below.
        const facts = await query<{
          campaign_id: string;
          contact_id: string;
          given_time_zone: string | null;
          us_state: string | null;
          postal_code: string | null;
          calling_window: CallingWindow;
          blocked_dates: string[];
        }>(LOCK_AND_FACTS_SQL, [
          requests.map((r) => r.campaignId),
          requests.map((r) => r.contactId),
          requests.map((r) => r.phoneNumber),
        ]);
        const factsOf = new Map(facts.rows.map((row) => [`${row.campaign_id}:${row.contact_id}`, row]));
        const verdicts = new Map(
          requests.map((r) => {
            const fact = factsOf.get(`${r.campaignId}:${r.contactId}`);
            const verdict =
              fact === undefined
                ? undefined
                : hours({
                    phoneNumber: r.phoneNumber,
                    timeZone: fact.given_time_zone,
                    usState: fact.us_state,
                    postalCode: fact.postal_code,
                    callingWindow: fact.calling_window,
                    blockedDates: fact.blocked_dates,
                  });
            return [dialIdOf(r), verdict] as const;
          }),
        );
        const results = new Map<string, ClaimResult>();
        const calls = new Map<string, CallSettings>();
        const steps: Array<{ row: ClaimRow; at: Date | null; final: 'do_not_call' | null }> = [];
        // One statement counts a number's recent calls once for all of its rows, so two tasks of one number in a
        // batch (two campaigns calling it) would both pass the limit: each round holds a number at most once, and
        // a later round's statement sees the claims of the rounds before it (one transaction).
        for (const round of claimRounds(requests)) {
          const { rows } = await query<ClaimRow>(CLAIM_SQL, [
            round.map((r) => r.campaignId),
            round.map((r) => r.contactId),
            round.map((r) => r.attempt),
            round.map((r) => (r.intent === 'dial' ? 'dialing' : 'skipped_blacklisted')),
            leaseSeconds,
            round.map((r) => r.phoneNumber),
            JSON.stringify(limits),
            round.map((r) =>
              JSON.stringify({ ...r.record, callingHours: verdicts.get(dialIdOf(r))?.record }),
            ),
            round.map((r) => verdicts.get(dialIdOf(r))?.open ?? false),
            at,
          ]);
          for (const row of rows) {
            const dialId = dialIdOf({
              campaignId: row.campaign_id,
              contactId: row.contact_id,
              attempt: row.attempt,
            });
            const verdict = verdicts.get(dialId);
            const facts = claimFactsOf(row);
            const result = claimResultOf(facts);
            results.set(dialId, result);
            calls.set(dialId, {
              callerId: row.caller_id,
              callFlow: row.call_flow,
              attributes: row.attributes ?? {},
              zones: verdict?.zones ?? [],
            });
            const opensAt = verdict && !verdict.open ? verdict.opensAt : undefined;
            const until = dueAgainAt(facts, result, at, opensAt);
            if (until !== undefined) steps.push({ row, at: until, final: null });
            if ((result === 'claimed' && row.target === 'skipped_blacklisted') || result === 'opted_out')
              steps.push({ row, at: null, final: 'do_not_call' });
          }
        }
        if (steps.length > 0) {
          await query(CONTACT_STEPS_SQL, [
            steps.map((d) => d.row.campaign_id),
            steps.map((d) => d.row.contact_id),
            steps.map((d) => d.row.attempt),
            steps.map((d) => d.at),
            steps.map((d) => d.final),
          ]);
        }
        return { results, calls };
      });
    },

    async recordOutcomes({ initiated, released }, at) {
      if (initiated.length + released.length === 0) return;
      const updates = [
        ...initiated.map((sent) => ({ key: sent, initiated: true, record: sent.record })),
        ...released.map((key) => ({ key, initiated: false, record: {} })),
      ];
      await db.query(OUTCOMES_SQL, [
        updates.map((u) => u.key.campaignId),
        updates.map((u) => u.key.contactId),
        updates.map((u) => u.key.attempt),
        updates.map((u) => u.initiated),
        updates.map((u) => JSON.stringify(u.record)),
        at,
      ]);
    },
  };
}
