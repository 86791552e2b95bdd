/**
 * Call attempts in Postgres. A batch of dial tasks takes three statements whatever its size: the facts of its
 * contacts' calling hours read; the claim (`claim_attempts`, migration 1764000000018: the numbers locked, the attempts
 * checked and claimed, in the one transaction of that statement); and how the batch ended (`record_dial_outcomes`:
 * calls initiated, unsent ones released, contacts sent back to the schedule or ended as listed). The attempt's key
 * (campaign, contact, attempt) is its dialId.
 */

import type { CallingWindow } from '../domain/callingHours.ts';
import {
  type CallSettings,
  type ClaimRequest,
  type ClaimResult,
  type Claims,
  type ContactStep,
  claimResultOf,
  claimRounds,
  contactStepOf,
  type HoursCheck,
  type RecipientLimit,
  type SentCall,
} from '../domain/claim.ts';
import type { Database } from '../lib/database.ts';
import { type AttemptKey, dialIdOf, keyOfDialId } from '../lib/dialId.ts';
import { CLAIM_SQL, type ClaimRow, claimFactsOf, FACTS_SQL, OUTCOMES_SQL } from './attemptStatements.ts';

export interface ClaimOptions {
  leaseSeconds: number;
  limits: readonly RecipientLimit[];
  callDeadlineSeconds: number;
  at: Date;
  hours: HoursCheck;
}

export interface AttemptRepository {
  /**
   * Claims the attempts at `at` (the dialer's clock), each checked against its contact's calling hours then and its
   * number's limits, whose windows are widened by `callDeadlineSeconds` (a call is placed up to that long after its
   * claim, so a call claimed that much before a window may have been placed inside it).
   */
  claim(requests: readonly ClaimRequest[], options: ClaimOptions): Promise<Claims>;
  /**
   * Marks sent calls `initiated` at `at`, releases the claim of calls that could not be sent, and writes what the claim
   * decided for contacts (`Claims.steps`), in one statement.
   */
  recordOutcomes(
    outcome: {
      initiated: readonly SentCall[];
      released: readonly AttemptKey[];
      steps: ReadonlyMap<string, ContactStep>;
    },
    at: Date,
  ): Promise<void>;
}

export function createAttemptRepository(db: Database): AttemptRepository {
  return {
    async claim(requests, { leaseSeconds, limits, callDeadlineSeconds, at, hours }) {
      if (requests.length === 0) return { results: new Map(), calls: new Map(), steps: new Map() };
      // The facts of each contact's calling hours, read without a lock: the claim takes an attempt to dial only if
      // they are still the same then. A task whose contact does not exist is refused by the claim.
      const facts = await db.query<{
        campaign_id: string;
        contact_id: string;
        given_time_zone: string | null;
        us_state: string | null;
        postal_code: string | null;
        calling_window: CallingWindow;
        blocked_dates: string[];
        facts: unknown;
      }>(FACTS_SQL, [requests.map((r) => r.campaignId), requests.map((r) => r.contactId)]);
      const factsOf = new Map(facts.rows.map((row) => [`${row.campaign_id}:${row.contact_id}`, row]));
      const checks = new Map(
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
          return [dialIdOf(r), { verdict, facts: fact?.facts ?? null }] as const;
        }),
      );
      // One request per attempt, each number at most once per round: the claim statement takes them round by round,
      // each round seeing the claims of the rounds before it.
      const claiming = claimRounds(requests).flatMap((round, i) =>
        round.map((r) => ({ ...r, round: i + 1 })),
      );
      const check = (r: ClaimRequest) => checks.get(dialIdOf(r));
      const { rows } = await db.query<ClaimRow>(CLAIM_SQL, [
        claiming.map((r) => r.campaignId),
        claiming.map((r) => r.contactId),
        claiming.map((r) => r.attempt),
        claiming.map((r) => (r.intent === 'dial' ? 'dialing' : 'skipped_blacklisted')),
        claiming.map((r) => r.phoneNumber),
        claiming.map((r) => JSON.stringify({ ...r.record, callingHours: check(r)?.verdict?.record })),
        claiming.map((r) => check(r)?.verdict?.open ?? false),
        claiming.map((r) => JSON.stringify(check(r)?.facts ?? null)),
        claiming.map((r) => r.round),
        leaseSeconds,
        JSON.stringify(limits),
        at,
        callDeadlineSeconds,
      ]);
      const results = new Map<string, ClaimResult>();
      const calls = new Map<string, CallSettings>();
      const steps = new Map<string, ContactStep>();
      for (const row of rows) {
        const dialId = dialIdOf({
          campaignId: row.campaign_id,
          contactId: row.contact_id,
          attempt: row.attempt,
        });
        const verdict = checks.get(dialId)?.verdict;
        const facts = claimFactsOf(row);
        const result = claimResultOf(facts);
        results.set(dialId, result);
        calls.set(dialId, {
          callerId: row.caller_id,
          callFlow: row.call_flow,
          attributes: row.attributes ?? {},
          zones: verdict?.zones ?? [],
        });
        const step = contactStepOf(facts, result, at, verdict && !verdict.open ? verdict.opensAt : undefined);
        if (step !== undefined) steps.set(dialId, step);
      }
      return { results, calls, steps };
    },

    async recordOutcomes({ initiated, released, steps }, at) {
      if (initiated.length + released.length + steps.size === 0) return;
      const updates = [
        ...initiated.map((sent) => ({ key: sent, initiated: true, record: sent.record })),
        ...released.map((key) => ({ key, initiated: false, record: {} })),
      ];
      const decided = [...steps].map(([dialId, step]) => ({ key: keyOfDialId(dialId), step }));
      await db.query(OUTCOMES_SQL, [
        updates.map((u) => u.key.campaignId),
        updates.map((u) => u.key.contactId),
        updates.map((u) => u.key.attempt),
        updates.map((u) => u.initiated),
        updates.map((u) => JSON.stringify(u.record)),
        decided.map((d) => d.key.campaignId),
        decided.map((d) => d.key.contactId),
        decided.map((d) => d.key.attempt),
        decided.map((d) => ('at' in d.step ? d.step.at : null)),
        decided.map((d) => ('final' in d.step ? d.step.final : null)),
        at,
      ]);
    },
  };
}
