/**
 * The calling law, audited from outside: two campaigns of one owner sharing their numbers run on the embedded stack
 * from a chosen instant across the US daylight-saving change (Sunday 14 March 2027), then two more across Louisiana's
 * Good Friday (26 March) and the EU change (28 March). Every call the telephony received is checked by the law oracle
 * (tests/helpers/lawOracle.ts: its own tables of area codes, states, ZIP codes and hours, its own reading of local
 * time), never by the engine's view of the contact: 0 calls outside any rule in any zone the contact may be in, no
 * number over 3 calls in 24 hours across the campaigns, no listed number dialled, none after its opt-out.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../local/telephony.ts';
import type { AsteriskCall } from '../../src/generated/asteriskCall.ts';
import { campaignRunner, EVERY_DAY } from '../helpers/campaignRunner.ts';
import { ORACLE_CONTACTS as CONTACTS, oracleViolation } from '../helpers/lawOracle.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

const OWNER = 'oracle-owner';
const MIX = { answered: 10, machine: 10, busy: 15, no_answer: 55, failed: 5, opt_out: 5 };
const runner = campaignRunner(harness, MIX, seededRandom(23));

const LISTED = [CONTACTS[0]?.phoneNumber ?? '', CONTACTS[9]?.phoneNumber ?? ''];

const SETTINGS = {
  // The law's widest hours: the rules, not the campaign, bound the calls.
  callingWindow: { start: '08:00', end: '21:00', days: EVERY_DAY },
  maxAttempts: 10,
  retryDelays: { busy: 90, no_answer: 300, machine: 600, failed: 60 },
  pacing: { callsPerMinute: 1_000, maxConcurrentCalls: 1_000 },
};

/** Two campaigns of the owner with the same contacts, started at `at`, run until both complete. */
async function runPair(label: string, at: string, endAt: string): Promise<string[]> {
  harness.setNow(new Date(at));
  const ids: string[] = [];
  for (const side of ['a', 'b'])
    ids.push(await runner.createRunning(OWNER, CONTACTS, { ...SETTINGS, name: `${label}-${side}`, endAt }));
  for (const id of ids) await runner.run(id, {}, 2_000);
  return ids;
}

describe('the law oracle over a run across daylight-saving changes, Sundays and a state holiday', () => {
  it('finds no call outside any rule, over a cap, to a listed number or after an opt-out', async () => {
    // Prepare
    const saved = harness.now();
    await harness.blacklist(LISTED);

    // Act
    const first = await runPair('oracle-dst', '2027-03-13T05:00:00Z', '2027-03-20T00:00:00Z');
    const second = await runPair('oracle-holiday', '2027-03-25T05:00:00Z', '2027-03-31T00:00:00Z');
    harness.setNow(saved);

    // Assert: every contact was added to every campaign (a refused row would leave its case untested)
    const ids = [...first, ...second];
    const { rows: added } = await harness.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM contacts WHERE campaign_id = ANY($1) GROUP BY campaign_id',
      [ids],
    );
    expect(added).toEqual(ids.map(() => ({ n: CONTACTS.length })));

    // The law, call by call, in every zone the oracle says the contact may be in
    const calls = runner.calls.filter((call) => ids.includes(call.campaignId));
    const byNumber = new Map(CONTACTS.map((c) => [c.phoneNumber, c]));
    const unlawful = calls.flatMap((call) => {
      const contact = byNumber.get(call.phoneNumber);
      const why = contact && oracleViolation(new Date(call.requestedAt), contact, [8 * 60, 21 * 60]);
      return why ? [`${call.requestedAt} ${call.phoneNumber.slice(0, 5)}: ${why}`] : [];
    });
    expect(unlawful).toEqual([]);

    // No number over 3 calls in any 24 hours, across the owner's campaigns
    const overCap: string[] = [];
    for (const number of byNumber.keys()) {
      const times = calls
        .filter((call) => call.phoneNumber === number)
        .map((call) => Date.parse(call.requestedAt))
        .sort((x, y) => x - y);
      times.forEach((t, i) => {
        const fourth = times[i + 3];
        if (fourth !== undefined && fourth - t < 86_400_000)
          overCap.push(`${number.slice(0, 5)} at ${new Date(fourth).toISOString()}`);
      });
    }
    expect(overCap).toEqual([]);

    // No listed number called; none after its opt-out, in any campaign of the owner
    expect(calls.filter((call) => LISTED.includes(call.phoneNumber))).toEqual([]);
    const { rows: optOuts } = await harness.db.query<{ phone_number: string; at: Date }>(
      `SELECT c.phone_number, min(a.result_at) AS at FROM call_attempts a
       JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
       WHERE a.campaign_id = ANY($1) AND a.opt_out GROUP BY c.phone_number`,
      [ids],
    );
    const afterOptOut = calls.filter((call: AsteriskCall) =>
      optOuts.some(
        (o) => o.phone_number === call.phoneNumber && Date.parse(call.requestedAt) > o.at.getTime(),
      ),
    );
    expect(afterOptOut).toEqual([]);

    // The run covered what it is for: calls on both sides of each change, on Sundays, none lost
    const on = (from: string, to: string) =>
      calls.filter((c) => c.requestedAt >= from && c.requestedAt < to).length;
    expect(on('2027-03-13T00:00:00Z', '2027-03-14T07:00:00Z')).toBeGreaterThan(0);
    expect(on('2027-03-14T07:00:00Z', '2027-03-16T00:00:00Z')).toBeGreaterThan(0);
    expect(on('2027-03-26T00:00:00Z', '2027-03-27T00:00:00Z')).toBeGreaterThan(0);
    expect(on('2027-03-28T01:00:00Z', '2027-03-31T00:00:00Z')).toBeGreaterThan(0);
    expect(optOuts.length).toBeGreaterThan(0);
    for (const id of ids) expect((await runner.audit(id, new Set(LISTED))).lost).toBe(0);
  }, 600_000);
});
