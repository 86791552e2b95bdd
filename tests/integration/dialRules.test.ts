/**
 * What the dialer checks at claim time, on the embedded stack (a task may wait in its queue while things change):
 * the campaign still running, the contact not done, the attempt its next one, and the number under its limit of
 * calls across the owner's campaigns (also when two batches claim it at once). A task that fails a check of time
 * goes back to the schedule; one that fails a permanent check is set aside with its reason.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { QueryResultRow } from 'pg';
import { queueRef, receiveEvent } from '../../local/sqsLambda.ts';
import type { Database } from '../../src/lib/database.ts';
import { type Contact, startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());
// Loaded after the stack: the tracing they load reads the stack's settings once.
const { CALLING_HOURS } = await import('../../src/domain/callingHours.ts');
const { hoursCheckAt } = await import('../../src/domain/claim.ts');
const { createDatabase } = await import('../../src/lib/database.ts');
const { createAttemptRepository } = await import('../../src/repositories/attemptRepository.ts');
const { FACTS_SQL } = await import('../../src/repositories/attemptStatements.ts');

const task = (campaignId: string, contact: Contact, attempt = 1) => ({
  campaignId,
  contactId: contact.id,
  attempt,
  phoneNumber: contact.phoneNumber,
  userId: 'owner-d',
});

/** Dials these tasks in one batch; answers the batch's summary line and the calls sent for `campaignId`. */
async function dial(campaignId: string, tasks: unknown[]) {
  await harness.enqueue(tasks as never);
  const run = await harness.runBatch();
  const calls = (await harness.callMessages()).filter((call) => call.campaignId === campaignId);
  return { summary: run.output.join(''), calls, response: run.response, traceId: run.traceId };
}

async function contact(campaignId: string, contactId: string) {
  const { rows } = await harness.db.query(
    'SELECT next_call_at, final_outcome FROM contacts WHERE campaign_id = $1 AND id = $2',
    [campaignId, contactId],
  );
  return rows[0];
}

/**
 * One number as contact `k` of running campaigns of the given owners and purposes (telemarketing unless named);
 * answers the contact as a task names it.
 */
async function numberIn(
  number: string,
  campaigns: ReadonlyArray<{ id: string; owner?: string; purpose?: string }>,
): Promise<Contact> {
  for (const { id, owner = 'owner-d', purpose = 'telemarketing' } of campaigns) {
    await harness.db.query(
      "INSERT INTO campaigns (id, user_id, name, status, purpose) VALUES ($1, $2, $1, 'running', $3)",
      [id, owner, purpose],
    );
    await harness.db.query("INSERT INTO contacts (campaign_id, id, phone_number) VALUES ($1, 'k', $2)", [
      id,
      number,
    ]);
  }
  return { id: 'k', phoneNumber: number };
}

describe('the compliance record', () => {
  it('keeps with each attempt why it was allowed, as known when it was sent, and never the number', async () => {
    const [one] = await harness.seedCampaign('d-record', 'owner-d', 1, 7090);
    await harness.db.query(
      "UPDATE contacts SET given_time_zone = 'America/Denver' WHERE campaign_id = 'd-record'",
    );
    const { calls, traceId } = await dial('d-record', [task('d-record', one as Contact)]);
    expect(calls).toHaveLength(1);
    const { rows } = await harness.db.query(
      "SELECT compliance FROM call_attempts WHERE campaign_id = 'd-record'",
    );
    const record = rows[0]?.compliance;
    expect(record).toMatchObject({
      rulesVersion: '2026-12-05',
      doNotCall: { listed: false },
      // Its calling hours, checked at the claim: the rules applied, the campaign's window, the local times
      callingHours: {
        open: true,
        rules: ['us-federal'],
        // Every zone the contact may be in, with where it came from: its number's and the one given with it.
        zones: { 'America/Denver': ['given'], 'America/New_York': ['area_code'] },
        regions: ['US-DC'],
        campaignWindow: { start: '09:00', end: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
        closingMarginMinutes: 10,
        checkedAt: harness.now().toISOString(),
      },
      attempt: 1,
      maxAttempts: 3,
      // Each limit of the campaign's purpose (telemarketing), with the number's calls in its window before this one
      recipientLimits: [{ id: 'same-subject-24h', calls: 3, hours: 24, made: 0 }],
      optedOutInOwnersCampaigns: false,
    });
    expect(Object.keys(record.localTimes)).toEqual(['America/Denver', 'America/New_York']);
    expect(Date.parse(record.sentAt)).toBeGreaterThanOrEqual(Date.parse(record.doNotCall.checkedAt));
    expect(JSON.stringify(record)).not.toContain((one as Contact).phoneNumber.slice(2));
    // ... and on the dial's span
    const docs = await harness.stack.xray.waitFor((all) =>
      all.some(
        (doc) => doc.trace_id === traceId && doc.name === 'RecordAttempt' && doc.metadata?.default?.sentAt,
      ),
    );
    const span = docs.find((doc) => doc.trace_id === traceId && doc.name === 'RecordAttempt');
    expect(span?.metadata?.default).toMatchObject({
      rulesVersion: '2026-12-05',
      localTimes: record.localTimes,
    });
  });
});

describe('claim-time checks', () => {
  it('dials nothing of a paused campaign (its contact back on the schedule) or a cancelled one', async () => {
    const [paused] = await harness.seedCampaign('d-paused', 'owner-d', 1, 7000, 'paused');
    const [cancelled] = await harness.seedCampaign('d-cancelled', 'owner-d', 1, 7010, 'cancelled');
    const before = harness.now().getTime();
    const first = await dial('d-paused', [task('d-paused', paused as Contact)]);
    const second = await dial('d-cancelled', [task('d-cancelled', cancelled as Contact)]);
    expect([first.calls, second.calls]).toEqual([[], []]);
    expect(first.summary).toMatch(/"campaign_not_running":1/);
    expect((await contact('d-paused', 'contact-0'))?.next_call_at.getTime()).toBeGreaterThanOrEqual(
      before - 1000,
    );
    // A cancelled campaign's contact is left as it was: the scheduler closes it.
    expect((await contact('d-cancelled', 'contact-0'))?.final_outcome).toBeNull();
    expect(await harness.attempts('d-cancelled')).toEqual([]);
    expect(await harness.attempts('d-paused')).toEqual([]);
  });

  it('does not dial outside the contact’s hours now, its state’s rules included: it is due again when they open', async () => {
    // Prepare: two Washington DC numbers, one of a contact living in Texas (no call before noon on Sundays);
    // the campaign calls every day from 09:00. Sunday 20 January 2030, 11:00 in New York.
    const [dc, texan] = await harness.seedCampaign('d-hours', 'owner-d', 2, 7100);
    await harness.db.query(
      `UPDATE campaigns SET calling_window = '{"start":"09:00","end":"20:00","days":["mon","tue","wed","thu","fri","sat","sun"]}'
       WHERE id = 'd-hours'`,
    );
    await harness.db.query(
      "UPDATE contacts SET us_state = 'TX' WHERE campaign_id = 'd-hours' AND id = 'contact-1'",
    );
    const saved = harness.now();
    harness.setNow(new Date('2030-01-20T16:00:00Z'));

    // Act
    const { calls, summary } = await dial('d-hours', [
      task('d-hours', dc as Contact),
      task('d-hours', texan as Contact),
    ]);
    harness.setNow(saved);

    // Assert: the DC contact called; the Texan one not (stated Texas: it may be in El Paso, on Mountain time), due at
    // noon there, its queued attempt gone
    expect(calls.map((call) => call.contactId)).toEqual(['contact-0']);
    expect(summary).toMatch(/"outside_hours":1/);
    expect((await contact('d-hours', 'contact-1'))?.next_call_at).toEqual(new Date('2030-01-20T19:00:00Z'));
    const { rows } = await harness.db.query(
      "SELECT compliance -> 'callingHours' -> 'rules' AS rules FROM call_attempts WHERE campaign_id = 'd-hours'",
    );
    expect(rows).toEqual([{ rules: ['us-federal'] }]);
  });

  it('does not dial on calling facts that changed between the hours check and the claim: the task is tried again on the new ones', async () => {
    // Prepare: a Washington DC number, open on Sunday 20 January 2030 at 11:00 in New York; between the dialer's read
    // of its facts and its claim, the contact is found to live in Texas (no call before noon on Sundays).
    const [dc] = await harness.seedCampaign('d-facts', 'owner-d', 1, 7200);
    await harness.db.query(
      `UPDATE campaigns SET calling_window = '{"start":"09:00","end":"20:00","days":["mon","tue","wed","thu","fri","sat","sun"]}'
       WHERE id = 'd-facts'`,
    );
    const at = new Date('2030-01-20T16:00:00Z');
    const database = createDatabase({ url: harness.stack.databaseUrl, poolMax: 2, ssl: false });
    const changing: Database = {
      ...database,
      async query<R extends QueryResultRow>(text: string, values?: readonly unknown[]) {
        const result = await database.query<R>(text, values);
        if (text === FACTS_SQL)
          await harness.db.query("UPDATE contacts SET us_state = 'TX' WHERE campaign_id = 'd-facts'");
        return result;
      },
    };
    const request = {
      campaignId: 'd-facts',
      contactId: (dc as Contact).id,
      attempt: 1,
      intent: 'dial' as const,
      phoneNumber: (dc as Contact).phoneNumber,
      record: {},
    };
    const options = {
      leaseSeconds: 120,
      limits: CALLING_HOURS.recipientLimits,
      callDeadlineSeconds: 300,
      at,
      hours: hoursCheckAt(at),
    };

    // Act
    const changed = await createAttemptRepository(changing).claim([request], options);
    const again = await createAttemptRepository(database).claim([request], options);
    await database.end();

    // Assess: no claim on the old facts; on the new ones, closed until noon in Texas (18:00 UTC on Mountain time)
    expect(changed.results.get(`d-facts:${request.contactId}:1`)).toBe('facts_changed');
    expect(again.results.get(`d-facts:${request.contactId}:1`)).toBe('outside_hours');
    expect(again.steps.get(`d-facts:${request.contactId}:1`)).toEqual({
      at: new Date('2030-01-20T19:00:00Z'),
    });
    const { rows } = await harness.db.query("SELECT status FROM call_attempts WHERE campaign_id = 'd-facts'");
    expect(rows).toEqual([]);
  });

  it('never dials a contact that is done (opted out), nor an old copy of an attempt once a later one exists', async () => {
    const contacts = await harness.seedCampaign('d-done', 'owner-d', 2, 7020);
    await harness.db.query(
      "UPDATE contacts SET final_outcome = 'opted_out' WHERE campaign_id = 'd-done' AND id = 'contact-0'",
    );
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at)
       VALUES ('d-done', 'contact-1', 1, 'initiated', $1), ('d-done', 'contact-1', 2, 'initiated', $1)`,
      [harness.now()],
    );
    const { calls, summary } = await dial('d-done', [
      task('d-done', contacts[0] as Contact),
      { ...task('d-done', contacts[1] as Contact), attempt: 1 },
    ]);
    expect(calls).toEqual([]);
    expect(summary).toMatch(/"contact_done":1/);
    // Attempt 1 of contact-1 ended already: a copy of it is a duplicate, whatever came since.
    expect(summary).toMatch(/"duplicate":1/);
  });

  it('sets aside an attempt that is not the contact’s next one', async () => {
    const [only] = await harness.seedCampaign('d-gap', 'owner-d', 1, 7030);
    const { calls, response } = await dial('d-gap', [task('d-gap', only as Contact, 3)]);
    expect(calls).toEqual([]);
    expect(response.batchItemFailures).toEqual([]);
    const { rows } = await harness.db.query(
      "SELECT reason FROM rejected_messages WHERE queue = 'dial-tasks' AND campaign_id = 'd-gap'",
    );
    expect(rows).toEqual([
      { reason: "Dial task's attempt is not the contact's next one: the attempt before it does not exist" },
    ]);
  });

  it('holds a number to 3 calls in 24 hours across the owner’s campaigns, not another owner’s', async () => {
    // Prepare: one number in three campaigns of owner-d (3 calls in the last hours) and one of someone else.
    const k = await numberIn('+12025557040', [
      { id: 'd-limit-a' },
      { id: 'd-limit-b' },
      { id: 'd-limit-c' },
      { id: 'd-limit-x', owner: 'owner-x' },
    ]);
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at) VALUES
        ('d-limit-a', 'k', 1, 'initiated', $1::timestamptz - interval '23 hours'),
        ('d-limit-a', 'k', 2, 'initiated', $1::timestamptz - interval '2 hours'),
        ('d-limit-b', 'k', 1, 'initiated', $1::timestamptz - interval '1 hour'),
        ('d-limit-x', 'k', 1, 'initiated', $1::timestamptz - interval '1 hour')`,
      [harness.now()],
    );

    // Act
    const blocked = await dial('d-limit-c', [task('d-limit-c', k)]);

    // Assert: not dialled; due again when the oldest of the three calls is out of the 24 hours however late within
    // the 5-minute call deadline it was placed
    expect(blocked.calls).toEqual([]);
    expect(blocked.summary).toMatch(/"recipient_limit":1/);
    const due = (await contact('d-limit-c', 'k'))?.next_call_at as Date;
    expect(due.getTime()).toBe(harness.now().getTime() + 3_600_000 + 300_000);
    // Another owner's calls are not counted: its campaign dials the number (its 2nd call of the day)
    const other = await dial('d-limit-x', [{ ...task('d-limit-x', k, 2), userId: 'owner-x' }]);
    expect(other.calls).toHaveLength(1);
  });

  it('counts a call claimed up to the call deadline before the 24 hours: it may have been placed inside them', async () => {
    // Prepare: two numbers with 3 calls each; the oldest claimed 24 h 4 min ago for one (the telephony may have
    // placed it up to the 5-minute deadline later: 23 h 59 min ago), 24 h 6 min ago for the other (placed by 24 h
    // 1 min ago at the latest)
    const inside = await numberIn('+12025557050', [{ id: 'd-edge-a' }, { id: 'd-edge-b' }]);
    const outside = await numberIn('+12025557051', [{ id: 'd-edge-c' }, { id: 'd-edge-d' }]);
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at) VALUES
        ('d-edge-a', 'k', 1, 'initiated', $1::timestamptz - interval '24 hours 4 minutes'),
        ('d-edge-a', 'k', 2, 'initiated', $1::timestamptz - interval '2 hours'),
        ('d-edge-a', 'k', 3, 'initiated', $1::timestamptz - interval '1 hour'),
        ('d-edge-c', 'k', 1, 'initiated', $1::timestamptz - interval '24 hours 6 minutes'),
        ('d-edge-c', 'k', 2, 'initiated', $1::timestamptz - interval '2 hours'),
        ('d-edge-c', 'k', 3, 'initiated', $1::timestamptz - interval '1 hour')`,
      [harness.now()],
    );

    // Act
    const held = await dial('d-edge-b', [task('d-edge-b', inside)]);
    const dialled = await dial('d-edge-d', [task('d-edge-d', outside)]);

    // Assess: the first not dialled, due once its oldest call is out of the window however late it was placed
    expect(held.calls).toEqual([]);
    expect(held.summary).toMatch(/"recipient_limit":1/);
    const due = (await contact('d-edge-b', 'k'))?.next_call_at as Date;
    expect(due.getTime()).toBe(harness.now().getTime() + 60_000);
    expect(dialled.calls).toHaveLength(1);
  });

  it('lets only one of two batches claiming a number at once place its last allowed call', async () => {
    // Three rounds: a race is not lost every time, so one round could pass by luck.
    for (const round of [1, 2, 3]) {
      // Prepare: a number with 2 calls today, in two campaigns of one owner, a task in each.
      const number = `+1202555706${round}`;
      const [a, b] = [`d-race-${round}-a`, `d-race-${round}-b`];
      const k = await numberIn(number, [{ id: a }, { id: b }]);
      await harness.db.query(
        `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at) VALUES
          ($1, 'k', 1, 'initiated', $3::timestamptz - interval '3 hours'),
          ($2, 'k', 1, 'initiated', $3::timestamptz - interval '2 hours')`,
        [a, b, harness.now()],
      );
      await harness.enqueue([task(a, k, 2), task(b, k, 2)] as never);
      const dialTasks = queueRef(harness.stack.queueUrls.dialTasks);
      const first = await receiveEvent(harness.sqs, dialTasks, 1, 1);
      const second = await receiveEvent(harness.sqs, dialTasks, 1, 1);

      // Act: both batches at once (their logs kept, not printed)
      await Promise.all([first, second].map((event) => harness.runBatch(event)));

      // Assert
      const calls = (await harness.callMessages()).filter((call) => call.phoneNumber === number);
      expect(calls).toHaveLength(1);
    }
  });

  it('holds the limit when one batch carries one number for two campaigns, and when two such batches run at once', async () => {
    // Prepare: 5 numbers, each with 2 calls today, each in campaigns A and B of one owner (an owner's two campaigns
    // releasing the same numbers at the same minute put both tasks in one batch).
    const [a, b] = ['d-batch-a', 'd-batch-b'];
    const numbers = Array.from({ length: 5 }, (_, i) => `+1202555708${i}`);
    for (const id of [a, b]) {
      await harness.db.query(
        "INSERT INTO campaigns (id, user_id, name, status) VALUES ($1, 'owner-d', $1, 'running')",
        [id],
      );
      await harness.db.query(
        "INSERT INTO contacts (campaign_id, id, phone_number) SELECT $1, 'k' || right(n, 4), n FROM unnest($2::text[]) AS n",
        [id, numbers],
      );
    }
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at)
       SELECT c, 'k' || right(n, 4), 1, 'initiated', $3::timestamptz - interval '2 hours'
       FROM unnest($1::text[]) AS c CROSS JOIN unnest($2::text[]) AS n`,
      [[a, b], numbers, harness.now()],
    );
    const tasks = numbers.flatMap((n) => {
      const k = { id: `k${n.slice(-4)}`, phoneNumber: n };
      return [task(a, k, 2), task(b, k, 2)];
    });

    // Act: the first three numbers' tasks of both campaigns in one batch; the last two in two batches run at once,
    // each holding both campaigns' tasks of one number
    await dial(a, tasks.slice(0, 6));
    await harness.enqueue(tasks.slice(6) as never);
    const dialTasks = queueRef(harness.stack.queueUrls.dialTasks);
    const first = await receiveEvent(harness.sqs, dialTasks, 2, 1);
    const second = await receiveEvent(harness.sqs, dialTasks, 2, 1);
    await Promise.all([first, second].map((event) => harness.runBatch(event)));

    // Assert: one third call per number, never two
    const calls = (await harness.callMessages()).filter((call) => numbers.includes(call.phoneNumber));
    const perNumber = numbers.map((n) => calls.filter((call) => call.phoneNumber === n).length);
    expect(perNumber).toEqual([1, 1, 1, 1, 1]);
  });

  it('never dials a number that opted out in another of the owner’s campaigns, though the list missed it', async () => {
    // Prepare: the number opted out during a call of campaign A (its contact done), but is not on the do-not-call
    // list (the list's write raced the claim, or failed); campaign B of the same owner, and C of another, have it.
    const k = await numberIn('+12025557090', [
      { id: 'd-optout-a' },
      { id: 'd-optout-b' },
      { id: 'd-optout-c', owner: 'owner-x' },
    ]);
    await harness.db.query(
      "UPDATE contacts SET final_outcome = 'opted_out' WHERE campaign_id = 'd-optout-a' AND id = 'k'",
    );

    // Act
    const mine = await dial('d-optout-b', [task('d-optout-b', k)]);
    const theirs = await dial('d-optout-c', [{ ...task('d-optout-c', k), userId: 'owner-x' }]);

    // Assert: B records the attempt skipped and ends the contact; another owner's campaign is not bound by it
    expect(mine.calls).toEqual([]);
    expect(mine.summary).toMatch(/"skipped_opted_out":1/);
    expect(await contact('d-optout-b', 'k')).toMatchObject({ final_outcome: 'do_not_call' });
    const { rows } = await harness.db.query(
      "SELECT status, compliance ->> 'optedOutInOwnersCampaigns' AS opted FROM call_attempts WHERE campaign_id = 'd-optout-b'",
    );
    expect(rows).toEqual([{ status: 'skipped_blacklisted', opted: 'true' }]);
    expect(theirs.calls).toHaveLength(1);
  });

  it('holds a healthcare campaign to 1 call a day to a number, counting the owner’s other campaigns', async () => {
    // Prepare: a number called once 5 hours ago by a telemarketing campaign of the owner; a healthcare campaign and
    // another telemarketing one have it too.
    const k = await numberIn('+12025557095', [
      { id: 'd-purpose-t' },
      { id: 'd-purpose-h', purpose: 'healthcare' },
      { id: 'd-purpose-u' },
    ]);
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at)
       VALUES ('d-purpose-t', 'k', 1, 'initiated', $1::timestamptz - interval '5 hours')`,
      [harness.now()],
    );

    // Act
    const healthcare = await dial('d-purpose-h', [task('d-purpose-h', k)]);
    const telemarketing = await dial('d-purpose-u', [task('d-purpose-u', k)]);

    // Assert: the healthcare call waits until the earlier call is 24 hours old however late within the call deadline
    // it was placed; the telemarketing one (2 of 3) goes
    expect(healthcare.calls).toEqual([]);
    expect(healthcare.summary).toMatch(/"recipient_limit":1/);
    const due = (await contact('d-purpose-h', 'k'))?.next_call_at as Date;
    expect(due.getTime()).toBe(harness.now().getTime() + 19 * 3_600_000 + 300_000);
    expect(telemarketing.calls).toHaveLength(1);
  });
});
