/**
 * The statements of src/repositories/attemptRepository.ts (the dialer's claim and the record of its calls), and the
 * claim's row as the domain reads it.
 */
import type { ClaimFacts } from '../domain/claim.ts';

// The facts each task's calling hours are made of: its contact's zones and its campaign's window, and the same as
// one value (`calling_facts`) that the claim compares with what it finds then. A plain read: no lock, no transaction.
export const FACTS_SQL = `
SELECT i.campaign_id, i.contact_id, c.given_time_zone, c.us_state, c.postal_code, cp.calling_window, cp.blocked_dates,
  calling_facts(c, cp) AS facts
FROM unnest($1::text[], $2::text[]) AS i(campaign_id, contact_id)
JOIN contacts c ON c.campaign_id = i.campaign_id AND c.id = i.contact_id
JOIN campaigns cp ON cp.id = i.campaign_id`;

// The claim of a batch (migrations 1764000000018 and 020: the numbers locked, each round claimed, the limits'
// windows widened by the call deadline), in one statement.
export const CLAIM_SQL =
  'SELECT * FROM claim_attempts($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)';

// How the batch ended: sent calls initiated, unsent ones released, the claim's decisions on contacts written.
export const OUTCOMES_SQL = 'SELECT record_dial_outcomes($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)';

export interface ClaimRow {
  campaign_id: string;
  contact_id: string;
  attempt: number;
  target: string;
  claimed: boolean;
  contact_exists: boolean;
  number_matches: boolean | null;
  attempt_allowed: boolean | null;
  campaign_status: string | null;
  final_outcome: string | null;
  later_exists: boolean;
  previous_exists: boolean;
  hours_open: boolean;
  facts_current: boolean;
  over_limit: boolean;
  limit_resets_at: Date | null;
  before_status: string | null;
  caller_id: string | null;
  call_flow: string | null;
  attributes: Record<string, string> | null;
  opted_out: boolean;
}

/** The facts a claim row gives, as the domain reads them. */
export function claimFactsOf(row: ClaimRow): ClaimFacts {
  return {
    claimed: row.claimed,
    target: row.target as ClaimFacts['target'],
    contactExists: row.contact_exists,
    numberMatches: row.number_matches === true,
    attemptAllowed: row.attempt_allowed === true,
    campaignStatus: row.campaign_status,
    finalOutcome: row.final_outcome,
    laterExists: row.later_exists,
    previousExists: row.previous_exists,
    hoursOpen: row.hours_open,
    factsCurrent: row.facts_current,
    overLimit: row.over_limit,
    limitResetsAt: row.limit_resets_at,
    beforeStatus: row.before_status,
    optedOut: row.opted_out,
  };
}
