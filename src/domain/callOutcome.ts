/**
 * A contact's next step after a call's result (pure): done, and why, or due again after the campaign's delay for
 * that outcome. An answered call, a number that does not exist and an opt-out end it; so does the last attempt.
 */
import type { CallResult } from '../generated/callResult.ts';
import type { ResolvedSettings } from './campaignSettings.ts';

export type FinalOutcome = 'answered' | 'invalid_number' | 'opted_out' | 'max_attempts';

export type NextStep = { final: FinalOutcome } | { retryAt: Date };

export function nextStep(
  result: Pick<CallResult, 'outcome' | 'optOut' | 'endedAt'>,
  attempt: number,
  campaign: Pick<ResolvedSettings, 'maxAttempts' | 'retryDelays'>,
): NextStep {
  if (result.optOut) return { final: 'opted_out' };
  if (result.outcome === 'answered' || result.outcome === 'invalid_number') return { final: result.outcome };
  if (attempt >= campaign.maxAttempts) return { final: 'max_attempts' };
  const minutes = campaign.retryDelays[result.outcome];
  return { retryAt: new Date(Date.parse(result.endedAt) + minutes * 60_000) };
}
