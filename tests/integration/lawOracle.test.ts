/**
 * The calling law, audited from outside (tests/helpers/lawRun.ts): two campaigns of one owner sharing their numbers
 * run on the embedded stack from 13 March 2027 across the US daylight-saving change and a Sunday, then two more
 * across Louisiana's Good Friday and the EU change. Every call the telephony received is checked by the law oracle
 * (tests/helpers/lawOracle.ts: its own tables of area codes, states, ZIP codes and hours, its own reading of local
 * time), never by the engine's view of the contact. tests/unit/helpers/lawOracle.test.ts shows the oracle catches an
 * engine that drops any one source of a contact's zones.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { ORACLE_CONTACTS } from '../helpers/lawOracle.ts';
import { runLawScenario } from '../helpers/lawRun.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

describe('the law oracle over a run across daylight-saving changes, Sundays and a state holiday', () => {
  it('finds no call outside any rule, over a cap, to a listed number or after an opt-out', async () => {
    // Act
    const run = await runLawScenario(harness);

    // Assert: every contact was added to every campaign (a refused row would leave its case untested)
    expect(run.added).toEqual(run.campaignIds.map(() => ORACLE_CONTACTS.length));
    // The law, call by call, in every zone the oracle says the contact may be in; the limits; the lists
    expect(run.unlawful).toEqual([]);
    expect(run.overCap).toEqual([]);
    expect(run.listedCalled).toBe(0);
    expect(run.calledAfterOptOut).toBe(0);
    expect(run.lost).toBe(0);
    // Half the campaigns ordered their calls by the answer model: its calls are among those checked above.
    expect(run.arms.model).toBeGreaterThan(0);
    expect(run.arms.control).toBeGreaterThan(0);
    // The run covered what it is for: calls on both sides of each change and on the holiday, opt-outs made
    const on = (from: string, to: string) =>
      run.calls.filter((c) => c.requestedAt >= from && c.requestedAt < to).length;
    expect(on('2027-03-13T00:00:00Z', '2027-03-14T07:00:00Z')).toBeGreaterThan(0);
    expect(on('2027-03-14T07:00:00Z', '2027-03-16T00:00:00Z')).toBeGreaterThan(0);
    expect(on('2027-03-26T00:00:00Z', '2027-03-27T00:00:00Z')).toBeGreaterThan(0);
    expect(on('2027-03-28T01:00:00Z', '2027-03-31T00:00:00Z')).toBeGreaterThan(0);
    expect(run.optOuts).toBeGreaterThan(0);
  }, 600_000);
});
