/**
 * A campaign of 1,000 contacts (1% listed) run to its end: started over HTTP, released by the scheduler's ticks,
 * dialled, answered by the telephony simulator (every outcome, opt-outs, retries), every function driven as Lambda
 * drives it on the embedded stack, the clock injected and moved from one due time to the next.
 */
import { afterAll, expect, it } from '@jest/globals';
import { DEFAULT_MIX, seededRandom, simulateCall } from '../../local/telephony.ts';
import { apiEvent } from '../helpers/apiGateway.ts';
import { byName, inTrace } from '../helpers/lambda.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const CONTACTS = 1_000;
const harness = await startSystemHarness();
afterAll(() => harness.stop());

const owned = { pathParameters: { campaignId: 'c-e2e' }, userId: 'user-e2e' };
const status = () =>
  harness.http('campaignStatus', apiEvent({ method: 'GET', resource: '/campaigns/{campaignId}', ...owned }));

it('runs a campaign to completed: every contact ends, no call twice, none to a listed number, counts add up', async () => {
  // Prepare: a fast pace (the test's clock jumps), 1% of the numbers listed
  const contacts = await harness.seedCampaign('c-e2e', 'user-e2e', CONTACTS, 0, 'draft');
  await harness.db.query(
    `UPDATE campaigns SET pacing = '{"callsPerMinute": 1000, "maxConcurrentCalls": 1000}' WHERE id = 'c-e2e'`,
  );
  const listed = contacts.filter((_, i) => i % 100 === 7).map((contact) => contact.phoneNumber);
  for (let i = 0; i < listed.length; i += 25) await harness.blacklist(listed.slice(i, i + 25));
  const random = seededRandom(7);

  // Act: start, then tick, dial and answer until the campaign completes, the clock jumping to the next due time
  const started = await harness.http(
    'startCampaign',
    apiEvent({ method: 'POST', resource: '/campaigns/{campaignId}/start', ...owned, body: {} }),
  );
  const ticks: Array<Awaited<ReturnType<typeof harness.tick>>> = [];
  for (let round = 0; round < 60; round += 1) {
    ticks.push(await harness.tick());
    await harness.drain('dialTasks', 10);
    const calls = await harness.takeCalls();
    const results = calls.map((call) => simulateCall(call, harness.now(), DEFAULT_MIX, random));
    const delivered = await harness.deliverResults(results);
    expect(delivered.failures).toBe(0);
    if (
      (await harness.db.query(`SELECT status FROM campaigns WHERE id = 'c-e2e'`)).rows[0]?.status ===
      'completed'
    )
      break;
    // The next due contact, at least a minute on (the next tick).
    const { rows } = await harness.db.query<{ next: Date | null }>(
      `SELECT min(next_call_at) AS next FROM contacts WHERE campaign_id = 'c-e2e' AND final_outcome IS NULL`,
    );
    const next = Math.max(harness.now().getTime() + 60_000, rows[0]?.next?.getTime() ?? 0);
    harness.setNow(new Date(Math.ceil(next / 60_000) * 60_000));
  }
  const final = await status();

  // Assess: the HTTP answers
  expect(started.statusCode).toBe(202);
  expect(started.body).toEqual({ campaignId: 'c-e2e', status: 'running', contacts: CONTACTS });
  expect(final.body).toMatchObject({
    status: 'completed',
    contacts: CONTACTS,
    callsInFlight: 0,
    contactsOpen: 0,
  });
  const done = final.body.contactsDone as Record<string, number>;
  expect(Object.values(done).reduce((sum, n) => sum + n, 0)).toBe(CONTACTS);
  expect(done.do_not_call).toBe(listed.length);
  expect(Object.keys(done).sort()).toEqual(
    ['answered', 'do_not_call', 'invalid_number', 'max_attempts', 'opted_out'].sort(),
  );

  // Assess: the calls, against the attempts
  const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-e2e');
  expect(new Set(calls.map((call) => call.dialId)).size).toBe(calls.length);
  const listedSet = new Set(listed);
  expect(calls.filter((call) => listedSet.has(call.phoneNumber))).toEqual([]);
  const { rows: attempts } = await harness.db.query<{ status: string; n: number; with_outcome: number }>(
    `SELECT status, count(*)::int AS n, count(outcome)::int AS with_outcome FROM call_attempts
     WHERE campaign_id = 'c-e2e' GROUP BY status ORDER BY status`,
  );
  // Every call sent has its outcome; every listed number one skip; nothing is left queued or being placed
  expect(attempts).toEqual([
    { status: 'initiated', n: calls.length, with_outcome: calls.length },
    { status: 'skipped_blacklisted', n: listed.length, with_outcome: 0 },
  ]);
  const { rows: over } = await harness.db.query(
    `SELECT contact_id FROM call_attempts WHERE campaign_id = 'c-e2e' GROUP BY contact_id HAVING max(attempt) > 3`,
  );
  expect(over).toEqual([]);
  // Retries happened: some contacts were called more than once
  expect(calls.length).toBeGreaterThan(CONTACTS);

  // Assess: the ticks' traces carry the campaign, and no trace holds a number
  const docs = harness.stack.xray.documents();
  const tick = ticks[0]?.traceId ?? '';
  const schedule = byName(inTrace(docs, tick), 'ScheduleCampaign').find(
    (doc) => doc.annotations?.campaignId === 'c-e2e',
  );
  expect(schedule?.annotations).toMatchObject({ campaignId: 'c-e2e', userId: 'user-e2e' });
  const steps = inTrace(docs, tick)
    .filter((doc) => doc.parent_id === schedule?.id)
    .map((doc) => doc.name);
  expect(steps).toEqual(expect.arrayContaining(['LoadDueContacts', 'ReleaseContacts']));
  // The dial tasks carried the tick's trace header: their dialer invocations are in the tick's trace
  const dialled = byName(inTrace(docs, tick), 'dialerWorker');
  expect(dialled.length).toBeGreaterThan(0);
  expect(dialled.every((doc) => doc.annotations?.campaignId === 'c-e2e')).toBe(true);
  const everything = JSON.stringify(docs);
  for (const contact of contacts.slice(0, 200))
    expect(everything).not.toContain(contact.phoneNumber.slice(2));
}, 300_000);
