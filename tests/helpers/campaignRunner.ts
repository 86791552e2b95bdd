/**
 * Runs campaigns to their end on the embedded stack, as production does minute by minute: a scheduler tick, the
 * dialer on the released tasks, the telephony simulator on the calls placed, the result worker on its results; the
 * injected clock then moves to the next due contact. Every call message is kept, and `audit` checks the end state
 * against them with its own reading of the clock: nothing lost, nothing placed twice, no listed or opted-out number
 * called, no call outside its contact's hours in any zone the law oracle (lawOracle.ts, its own tables) says it may
 * be in, no contact over its attempts.
 */
import { type OutcomeMix, simulateCall } from '../../local/telephony.ts';
import type { AsteriskCall } from '../../src/generated/asteriskCall.ts';
import type { CallResult } from '../../src/generated/callResult.ts';
import { apiEvent } from './apiGateway.ts';
import { oracleViolation } from './lawOracle.ts';
import type { SystemHarness } from './systemHarness.ts';

export const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The settings of the runs: hours narrower than the law's, three attempts, retries within the hour. */
export const RUN_SETTINGS = {
  callerId: '+1 202 555 0100',
  callFlow: 'flows/reminder',
  callingWindow: { start: '09:00', end: '20:00', days: EVERY_DAY },
  maxAttempts: 3,
  retryDelays: { busy: 5, no_answer: 10, machine: 15, failed: 5 },
  pacing: { callsPerMinute: 2_000, maxConcurrentCalls: 2_000 },
};

export interface RunHooks {
  /** Changes the results before they reach the results queue (drop, duplicate, reorder). */
  results?: (results: CallResult[]) => CallResult[];
  /** Called before each round, with its number (from 0). */
  beforeRound?: (round: number) => Promise<void> | void;
  /** Drains the dial tasks (the harness's drain by default). */
  dial?: () => Promise<unknown>;
}

export interface Audit {
  contacts: number;
  calls: number;
  lost: number;
  duplicateCalls: number;
  blacklistedCalled: number;
  outsideWindow: number;
  overCap: number;
  problems: string[];
}

/** Fails the run when an API call did not answer as it must (the benchmarks use the runner too, outside Jest). */
function expectStatus(what: string, response: { statusCode: number; body: unknown }, status: number): void {
  if (response.statusCode !== status)
    throw new Error(
      `${what} answered ${response.statusCode}, not ${status}: ${JSON.stringify(response.body)}`,
    );
}

export function campaignRunner(harness: SystemHarness, mix: OutcomeMix, random: () => number) {
  const calls: AsteriskCall[] = [];

  async function createRunning(
    userId: string,
    contacts: ReadonlyArray<{
      phoneNumber: string;
      timeZone?: string;
      usState?: string;
      postalCode?: string;
    }>,
    settings: Record<string, unknown> = {},
  ): Promise<string> {
    const created = await harness.http(
      'createCampaign',
      apiEvent({
        method: 'POST',
        resource: '/campaigns',
        userId,
        body: { name: 'Run', ...RUN_SETTINGS, ...settings },
      }),
    );
    expectStatus('createCampaign', created, 201);
    const campaignId = String(created.body.campaignId);
    for (let i = 0; i < contacts.length; i += 1_000) {
      const added = await harness.http(
        'addContacts',
        apiEvent({
          method: 'POST',
          resource: '/campaigns/{campaignId}/contacts',
          pathParameters: { campaignId },
          userId,
          body: { contacts: contacts.slice(i, i + 1_000) },
        }),
      );
      expectStatus('addContacts', added, 200);
    }
    const started = await harness.http(
      'startCampaign',
      apiEvent({
        method: 'POST',
        resource: '/campaigns/{campaignId}/start',
        pathParameters: { campaignId },
        userId,
      }),
    );
    expectStatus('startCampaign', started, 202);
    return campaignId;
  }

  /** Runs the campaign until it is completed (or `maxRounds`); answers the rounds run. */
  async function run(campaignId: string, hooks: RunHooks = {}, maxRounds = 200): Promise<number> {
    for (let round = 0; round < maxRounds; round += 1) {
      await hooks.beforeRound?.(round);
      // A tick that fails (a dependency down) is the schedule's to run again next minute, as on AWS.
      await harness.tick().catch(() => undefined);
      await (hooks.dial ?? (() => harness.drain('dialTasks')))();
      const placed = await harness.takeCalls();
      calls.push(...placed);
      const results = placed.map((call) => simulateCall(call, harness.now(), mix, random));
      await harness.deliverResults(hooks.results ? hooks.results(results) : results);
      if ((await harness.campaignStatus(campaignId)) === 'completed') return round + 1;
      await harness.jumpToNextDue(campaignId);
      await harness.releaseExpired();
    }
    return maxRounds;
  }

  /** The campaign's end state against its call messages. `listed`: numbers on the do-not-call list all along. */
  async function audit(campaignId: string, listed: ReadonlySet<string> = new Set()): Promise<Audit> {
    const problems: string[] = [];
    const mine = calls.filter((call) => call.campaignId === campaignId);
    const { rows: contacts } = await harness.db.query<{
      id: string;
      phone_number: string;
      given_time_zone: string | null;
      us_state: string | null;
      postal_code: string | null;
      final_outcome: string | null;
    }>(
      'SELECT id, phone_number, given_time_zone, us_state, postal_code, final_outcome FROM contacts WHERE campaign_id = $1',
      [campaignId],
    );
    const { rows: attempts } = await harness.db.query<{
      contact_id: string;
      attempt: number;
      status: string;
      outcome: string | null;
      opt_out: boolean | null;
      result_at: Date | null;
    }>(
      'SELECT contact_id, attempt, status, outcome, opt_out, result_at FROM call_attempts WHERE campaign_id = $1',
      [campaignId],
    );
    const { rows: settings } = await harness.db.query('SELECT max_attempts FROM campaigns WHERE id = $1', [
      campaignId,
    ]);
    const maxAttempts = Number(settings[0]?.max_attempts ?? RUN_SETTINGS.maxAttempts);
    const byContact = new Map(contacts.map((c) => [c.id, c]));
    const attemptOf = new Map(attempts.map((a) => [`${a.contact_id}:${a.attempt}`, a]));

    // Lost: a contact left open, a call without its result, an attempt sent without a call message.
    const open = contacts.filter((c) => c.final_outcome === null);
    for (const c of open) problems.push(`contact ${c.id} left open`);
    let lost = open.length;
    const dialIds = new Map<string, number>();
    for (const call of mine) dialIds.set(call.dialId, (dialIds.get(call.dialId) ?? 0) + 1);
    for (const call of mine) {
      const attempt = attemptOf.get(`${call.contactId}:${call.attempt}`);
      if (attempt?.outcome === null || attempt === undefined) {
        lost += 1;
        problems.push(`call ${call.dialId} has no recorded result`);
      }
    }
    const called = new Set(mine.map((call) => `${call.contactId}:${call.attempt}`));
    for (const a of attempts)
      if (a.status === 'initiated' && !called.has(`${a.contact_id}:${a.attempt}`)) {
        lost += 1;
        problems.push(`attempt ${a.contact_id}:${a.attempt} initiated without a call message`);
      }

    // Placed twice: a dialId in two call messages.
    const duplicateCalls = [...dialIds.values()].filter((n) => n > 1).length;
    for (const [dialId, n] of dialIds) if (n > 1) problems.push(`${dialId} sent ${n} times`);

    // Listed or opted out: no call to a listed number; none after a contact's opt-out.
    let blacklistedCalled = 0;
    for (const call of mine) {
      if (listed.has(call.phoneNumber)) {
        blacklistedCalled += 1;
        problems.push(`listed contact ${call.contactId} called`);
      }
      const optedOutBefore = attempts.some(
        (a) => a.contact_id === call.contactId && a.opt_out === true && a.attempt < call.attempt,
      );
      if (optedOutBefore) {
        blacklistedCalled += 1;
        problems.push(`contact ${call.contactId} called after opting out`);
      }
    }

    // Outside the window or the law: each call's request time in every zone the oracle says its contact may be in.
    const [start, end] = [RUN_SETTINGS.callingWindow.start, RUN_SETTINGS.callingWindow.end].map((t) => {
      const [h, m] = t.split(':').map(Number);
      return (h ?? 0) * 60 + (m ?? 0);
    });
    let outsideWindow = 0;
    for (const call of mine) {
      const contact = byContact.get(call.contactId);
      const violation =
        contact === undefined
          ? 'no such contact'
          : oracleViolation(
              new Date(call.requestedAt),
              {
                phoneNumber: contact.phone_number,
                ...(contact.given_time_zone ? { timeZone: contact.given_time_zone } : {}),
                ...(contact.us_state ? { usState: contact.us_state } : {}),
                ...(contact.postal_code ? { postalCode: contact.postal_code } : {}),
              },
              [start ?? 0, end ?? 0],
            );
      if (violation !== undefined) {
        outsideWindow += 1;
        problems.push(`${call.dialId} requested at ${call.requestedAt}: ${violation}`);
      }
    }

    // Over the cap: more calls to a contact than its attempts allow.
    const perContact = new Map<string, number>();
    const counted = new Set<string>();
    for (const call of mine) {
      if (counted.has(call.dialId)) continue;
      counted.add(call.dialId);
      perContact.set(call.contactId, (perContact.get(call.contactId) ?? 0) + 1);
    }
    const overCap = [...perContact.values()].filter((n) => n > maxAttempts).length;

    return {
      contacts: contacts.length,
      calls: mine.length,
      lost,
      duplicateCalls,
      blacklistedCalled,
      outsideWindow,
      overCap,
      problems: problems.slice(0, 20),
    };
  }

  return { createRunning, run, audit, calls };
}
