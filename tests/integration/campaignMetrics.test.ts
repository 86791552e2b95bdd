/**
 * GET /campaigns/{id}/metrics on the embedded stack: a campaign run to its end (results with every outcome,
 * opt-outs, listed numbers skipped, a result delivered twice), its buckets checked against the attempts themselves,
 * counted here from call_attempts with this file's own bucketing; the window's rounding and limits; the owner only.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_MIX, seededRandom } from '../../local/telephony.ts';
import { apiEvent } from '../helpers/apiGateway.ts';
import { campaignRunner } from '../helpers/campaignRunner.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

const metricsOf = (campaignId: string, userId: string, query?: Record<string, string>) =>
  harness.http(
    'campaignMetrics',
    apiEvent({
      method: 'GET',
      resource: '/campaigns/{campaignId}/metrics',
      pathParameters: { campaignId },
      userId,
      ...(query ? { query } : {}),
    }),
  );

const QUARTER = 15 * 60_000;
const numbers = (n: number, base: number) =>
  Array.from({ length: n }, (_, i) => ({ phoneNumber: `+1202555${String(base + i).padStart(4, '0')}` }));

describe('campaign metrics', () => {
  it("counts a run's calls, skips, outcomes and opt-outs in the bucket each happened in, once", async () => {
    const start = new Date('2031-03-04T15:00:00Z'); // a Tuesday, 10:00 in Washington
    harness.setNow(start);
    const contacts = numbers(60, 7000);
    const listed = contacts.slice(0, 4).map((c) => c.phoneNumber);
    await harness.blacklist(listed);
    const runner = campaignRunner(harness, DEFAULT_MIX, seededRandom(11));
    const campaignId = await runner.createRunning('metrics-owner', contacts, {
      pacing: { callsPerMinute: 6, maxConcurrentCalls: 50 },
    });
    // Every result is delivered twice: the second changes nothing, in the attempts or in the metrics.
    await runner.run(campaignId, { results: (results) => [...results, ...results] }, 400);
    const end = harness.now();

    const { rows: attempts } = await harness.db.query<{
      attempt: number;
      status: string;
      initiated_at: Date | null;
      claimed_at: string | null;
      outcome: string | null;
      opt_out: boolean | null;
      result_at: Date | null;
    }>(
      `SELECT attempt, status, initiated_at, compliance ->> 'claimedAt' AS claimed_at, outcome, opt_out, result_at
       FROM call_attempts WHERE campaign_id = $1`,
      [campaignId],
    );
    // The expected buckets, from the attempts: each event at its own time.
    const expected = new Map<number, Record<string, number>>();
    const add = (at: Date | string | null, key: string) => {
      if (at === null) return;
      const bucket = Math.floor(new Date(at).getTime() / QUARTER) * QUARTER;
      const counts = expected.get(bucket) ?? {};
      counts[key] = (counts[key] ?? 0) + 1;
      expected.set(bucket, counts);
    };
    const outcomeKey: Record<string, string> = {
      answered: 'answered',
      machine: 'machine',
      busy: 'busy',
      no_answer: 'noAnswer',
      failed: 'failed',
      invalid_number: 'invalidNumber',
    };
    for (const a of attempts) {
      if (a.initiated_at) {
        add(a.initiated_at, 'dials');
        if (a.attempt === 1) add(a.initiated_at, 'firstDials');
      }
      if (a.status === 'skipped_blacklisted') add(a.claimed_at, 'dncSkips');
      if (a.outcome) add(a.result_at, outcomeKey[a.outcome] ?? a.outcome);
      if (a.opt_out) add(a.result_at, 'optOuts');
    }
    expect([...expected.values()].reduce((n, c) => n + (c.dncSkips ?? 0), 0)).toBe(listed.length);
    expect([...expected.values()].some((c) => (c.optOuts ?? 0) > 0)).toBe(true);
    expect([...expected.values()].some((c) => (c.machine ?? 0) > 0)).toBe(true);

    const from = new Date(start.getTime() - QUARTER).toISOString();
    const to = new Date(end.getTime() + QUARTER).toISOString();
    const answer = await metricsOf(campaignId, 'metrics-owner', { from, to, bucket: '15m' });
    expect(answer.statusCode).toBe(200);
    const series = answer.body.series as Array<Record<string, number | string>>;
    expect(series.length).toBeGreaterThan(1);
    for (const bucket of series) {
      const want = expected.get(new Date(String(bucket.from)).getTime()) ?? {};
      for (const key of ['dials', 'firstDials', 'dncSkips', 'optOuts', ...Object.values(outcomeKey)])
        expect({ from: bucket.from, key, count: bucket[key] }).toEqual({
          from: bucket.from,
          key,
          count: want[key] ?? 0,
        });
    }
    const period = answer.body.period as Record<string, number>;
    const dials = attempts.filter((a) => a.initiated_at !== null).length;
    const reached = attempts.filter((a) => a.initiated_at !== null && a.attempt === 1).length;
    const answered = attempts.filter((a) => a.outcome === 'answered').length;
    const results = attempts.filter((a) => a.outcome !== null).length;
    expect(dials).toBeGreaterThan(contacts.length - listed.length);
    expect(period).toMatchObject({
      dials,
      results,
      rightPartyRate: answered / results,
      attemptsPerContact: dials / reached,
      penetration: reached / contacts.length,
    });
    expect(answer.body.previous).toMatchObject({ dials: 0, penetration: 0 });
    // The campaigns list shows the same progress, from the same buckets.
    const list = await harness.http(
      'listCampaigns',
      apiEvent({ method: 'GET', resource: '/campaigns', userId: 'metrics-owner' }),
    );
    const mine = (list.body.campaigns as Array<{ campaignId: string; progress: unknown }>).find(
      (c) => c.campaignId === campaignId,
    );
    expect(mine?.progress).toEqual({ contacts: contacts.length, reached });

    // The same window in hours: the same totals, fewer buckets.
    const hourly = await metricsOf(campaignId, 'metrics-owner', { from, to, bucket: '1h' });
    expect(hourly.body.period).toMatchObject({ dials, results });
    expect((hourly.body.series as unknown[]).length).toBeLessThan(series.length);

    // Someone else's campaign is not found; a window the route cannot answer is refused with why.
    expect((await metricsOf(campaignId, 'someone-else')).statusCode).toBe(404);
    const reversed = await metricsOf(campaignId, 'metrics-owner', { from: to, to: from });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.body.message).toMatch(/from must be before to/);
    const tooMany = await metricsOf(campaignId, 'metrics-owner', {
      from: '2030-01-01T00:00:00Z',
      to: '2031-01-01T00:00:00Z',
      bucket: '1h',
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.body.message).toMatch(/at most 1000/);
    const badBucket = await metricsOf(campaignId, 'metrics-owner', { bucket: '5m' });
    expect(badBucket.statusCode).toBe(400);
  });

  it('answers the last 24 hours in 15-minute buckets by default, rounded to whole buckets', async () => {
    harness.setNow(new Date('2031-03-05T15:07:00Z'));
    const runner = campaignRunner(harness, DEFAULT_MIX, seededRandom(12));
    const campaignId = await runner.createRunning('metrics-owner', numbers(3, 7100));
    const answer = await metricsOf(campaignId, 'metrics-owner');
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toMatchObject({
      campaignId,
      bucket: '15m',
      from: '2031-03-04T15:15:00.000Z',
      to: '2031-03-05T15:15:00.000Z',
    });
    expect((answer.body.series as unknown[]).length).toBe(96);
    expect(answer.body.period).toMatchObject({ dials: 0, answerRate: null, penetration: 0 });
  });
});
