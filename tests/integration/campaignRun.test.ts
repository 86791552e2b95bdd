/**
 * A campaign's run on the embedded stack, the clock injected: the scheduler's pace and calling hours, pause, resume,
 * cancel, completion and expiry, a lost task, the status's schedule, the preview, and a run across the US and EU
 * daylight-saving changes with contacts in nine zones, checked call by call against an independent reading of the
 * local time.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { type OutcomeMix, seededRandom, simulateCall } from '../../local/telephony.ts';
import type { AsteriskCall } from '../../src/generated/asteriskCall.ts';
import { apiEvent } from '../helpers/apiGateway.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

async function createCampaign(userId: string, settings: Record<string, unknown> = {}): Promise<string> {
  const created = await harness.http(
    'createCampaign',
    apiEvent({
      method: 'POST',
      resource: '/campaigns',
      userId,
      body: { name: 'Run', callerId: '+1 202 555 0100', callFlow: 'flows/reminder', ...settings },
    }),
  );
  expect(created.statusCode).toBe(201);
  return String(created.body.campaignId);
}

async function addContacts(campaignId: string, userId: string, contacts: Array<Record<string, unknown>>) {
  const added = await harness.http(
    'addContacts',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/contacts',
      pathParameters: { campaignId },
      userId,
      body: { contacts },
    }),
  );
  expect(added.body).toMatchObject({ added: contacts.length });
}

const control = (name: 'start' | 'pause' | 'resume' | 'cancel', campaignId: string, userId: string) =>
  harness.http(
    `${name}Campaign`,
    apiEvent({
      method: 'POST',
      resource: `/campaigns/{campaignId}/${name}`,
      pathParameters: { campaignId },
      userId,
      ...(name === 'start' ? { body: {} } : {}),
    }),
  );

const statusOf = (campaignId: string, userId: string) =>
  harness.http(
    'campaignStatus',
    apiEvent({ method: 'GET', resource: '/campaigns/{campaignId}', pathParameters: { campaignId }, userId }),
  );

/** `n` US numbers (202, Washington DC: New York's zone, federal hours only), distinct per `base`. */
const numbers = (n: number, base: number) =>
  Array.from({ length: n }, (_, i) => ({ phoneNumber: `+1202555${String(base + i).padStart(4, '0')}` }));

async function contactRows(campaignId: string) {
  const { rows } = await harness.db.query<{
    id: string;
    next_call_at: Date | null;
    final_outcome: string | null;
  }>('SELECT id, next_call_at, final_outcome FROM contacts WHERE campaign_id = $1 ORDER BY id', [campaignId]);
  return rows;
}

/** The dial tasks of a campaign released by one tick, taken off the queue (ticks of other tests' campaigns too). */
async function tickAndTake(campaignId: string) {
  const before = (await harness.receiveDialTasks(campaignId)).length;
  const tick = await harness.tick();
  const tasks = (await harness.receiveDialTasks(campaignId)).slice(before);
  return { tick, tasks };
}

/** One round of a run: a tick, the dialer, the telephony (results at the clock's time). Answers the calls placed. */
async function round(mix: OutcomeMix, random: () => number): Promise<AsteriskCall[]> {
  await harness.tick();
  await harness.drain('dialTasks');
  const calls = await harness.takeCalls();
  await harness.deliverResults(calls.map((call) => simulateCall(call, harness.now(), mix, random)));
  return calls;
}

describe('the scheduler', () => {
  it('releases at the campaign’s pace: callsPerMinute a tick, and maxConcurrentCalls less the calls in flight', async () => {
    // Prepare: 60 contacts, 20 calls a minute, at most 30 at once
    const id = await createCampaign('run-pace', {
      pacing: { callsPerMinute: 20, maxConcurrentCalls: 30 },
      callingWindow: { start: '09:00', end: '20:00', days: EVERY_DAY },
    });
    await addContacts(id, 'run-pace', numbers(60, 0));
    await control('start', id, 'run-pace');
    const start = harness.now();

    // Act: three ticks a minute apart, no call answered meanwhile
    const first = await tickAndTake(id);
    harness.setNow(new Date(start.getTime() + 60_000));
    const second = await tickAndTake(id);
    harness.setNow(new Date(start.getTime() + 120_000));
    const third = await tickAndTake(id);
    harness.setNow(start);

    // Assert: 20, then 10 (30 in flight at most), then none
    expect(first.tasks).toHaveLength(20);
    expect(second.tasks).toHaveLength(10);
    expect(third.tasks).toHaveLength(0);
    const all = [...first.tasks, ...second.tasks];
    expect(new Set(all.map((task) => task.contactId)).size).toBe(30);
    expect(all.every((task) => task.attempt === 1 && task.userId === 'run-pace')).toBe(true);
  });

  it('releases nobody outside their hours: each is due again when they open; none in the closing margin', async () => {
    // Prepare: New York contacts; the campaign's window 09:00-20:00 every day
    const id = await createCampaign('run-hours', {
      callingWindow: { start: '09:00', end: '20:00', days: EVERY_DAY },
    });
    await addContacts(id, 'run-hours', numbers(5, 100));
    await control('start', id, 'run-hours');
    const saved = harness.now();

    // Act: a tick at 03:00 in New York, then one at 19:55 (inside the window, not 10 minutes before its end)
    harness.setNow(new Date('2030-01-15T08:00:00Z'));
    const night = await tickAndTake(id);
    const movedTo = (await contactRows(id)).map((row) => row.next_call_at?.toISOString());
    harness.setNow(new Date('2030-01-16T00:55:00Z'));
    await harness.db.query('UPDATE contacts SET next_call_at = $2 WHERE campaign_id = $1', [
      id,
      harness.now(),
    ]);
    const closing = await tickAndTake(id);
    harness.setNow(saved);

    // Assert: nothing released; all due at 09:00 New York time (14:00 UTC in January), then 09:00 the next day
    expect(night.tasks).toEqual([]);
    expect(new Set(movedTo)).toEqual(new Set(['2030-01-15T14:00:00.000Z']));
    expect(closing.tasks).toEqual([]);
    expect(new Set((await contactRows(id)).map((row) => row.next_call_at?.toISOString()))).toEqual(
      new Set(['2030-01-16T14:00:00.000Z']),
    );
  });

  it('releases a task lost on the way again once its lease is over, under the same attempt', async () => {
    const id = await createCampaign('run-lost');
    await addContacts(id, 'run-lost', numbers(2, 200));
    await control('start', id, 'run-lost');
    const saved = harness.now();
    const released = await tickAndTake(id);
    // The tasks are gone (taken off the queue and never dialled): 16 minutes later they are due again
    harness.setNow(new Date(saved.getTime() + 16 * 60_000));
    const again = await tickAndTake(id);
    harness.setNow(saved);
    expect(released.tasks.map((task) => task.attempt)).toEqual([1, 1]);
    expect(again.tasks.map((task) => `${task.contactId}:${task.attempt}`).sort()).toEqual(
      released.tasks.map((task) => `${task.contactId}:${task.attempt}`).sort(),
    );
  });
});

describe('control', () => {
  it('pause: nothing released, queued tasks not dialled but back on the schedule; resume dials them', async () => {
    // Prepare: a running campaign with its first tick's tasks on the queue
    const id = await createCampaign('run-pause');
    await addContacts(id, 'run-pause', numbers(6, 300));
    await control('start', id, 'run-pause');
    await harness.tick();

    // Act: pause, then the dialer meets the queued tasks and a tick runs
    const paused = await control('pause', id, 'run-pause');
    const again = await control('pause', id, 'run-pause');
    await harness.drain('dialTasks');
    const whilePaused = await harness.takeCalls();
    const { tasks: releasedWhilePaused } = await tickAndTake(id);
    const attemptsWhilePaused = await harness.attempts(id);

    // ... then resume
    const resumed = await control('resume', id, 'run-pause');
    harness.setNow(new Date(harness.now().getTime() + 60_000));
    await harness.tick();
    await harness.drain('dialTasks');
    const afterResume = (await harness.takeCalls()).filter((call) => call.campaignId === id);

    // Assert
    expect(paused.body).toEqual({ campaignId: id, status: 'paused', contacts: 6 });
    expect(again.statusCode).toBe(200);
    expect(whilePaused.filter((call) => call.campaignId === id)).toEqual([]);
    expect(releasedWhilePaused).toEqual([]);
    expect(
      (await contactRows(id)).every((row) => row.final_outcome === null && row.next_call_at !== null),
    ).toBe(true);
    expect(attemptsWhilePaused).toEqual([]);
    expect(resumed.body).toMatchObject({ status: 'running' });
    expect(afterResume.map((call) => call.attempt)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('start: a campaign of 10,000 contacts or more refreshes the contacts’ statistics once; a smaller one does not', async () => {
    // Prepare: two drafts, their contacts written straight into the table (as many API requests would, with no ANALYZE)
    // ANALYZE commands run on the table (autovacuum's own are counted apart, in autoanalyze_count)
    const analyses = async () => {
      const { rows } = await harness.db.query<{ n: string }>(
        `SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'contacts'`,
      );
      return Number(rows[0]?.n);
    };
    const fill = (campaignId: string, n: number) =>
      harness.db.query(
        `INSERT INTO contacts (campaign_id, id, phone_number, next_call_at)
         SELECT $1, 'bulk-' || i, '+1202' || lpad(i::text, 7, '0'), now()
         FROM generate_series(1, $2) AS i`,
        [campaignId, n],
      );
    const small = await createCampaign('run-stats');
    const large = await createCampaign('run-stats');
    await fill(small, 9_999);
    await fill(large, 10_000);
    const before = await analyses();

    // Act
    const smallStarted = await control('start', small, 'run-stats');
    const afterSmall = await analyses();
    const largeStarted = await control('start', large, 'run-stats');
    const afterLarge = await analyses();
    const retried = await control('start', large, 'run-stats');
    const afterRetry = await analyses();
    await control('cancel', small, 'run-stats');
    await control('cancel', large, 'run-stats');

    // Assert
    expect(smallStarted.body).toMatchObject({ status: 'running', contacts: 9_999 });
    expect(largeStarted.body).toMatchObject({ status: 'running', contacts: 10_000 });
    expect(afterSmall).toBe(before);
    expect(afterLarge).toBe(before + 1);
    expect(retried.body).toMatchObject({ status: 'running', contacts: 10_000 });
    expect(afterRetry).toBe(afterLarge);
  });

  it('cancel: nothing more dialled, the open contacts become cancelled, and it cannot be resumed', async () => {
    const id = await createCampaign('run-cancel');
    await addContacts(id, 'run-cancel', numbers(4, 400));
    await control('start', id, 'run-cancel');
    await harness.tick();
    const cancelled = await control('cancel', id, 'run-cancel');
    await harness.drain('dialTasks');
    const calls = (await harness.takeCalls()).filter((call) => call.campaignId === id);
    await harness.tick();
    const status = await statusOf(id, 'run-cancel');
    const resume = await control('resume', id, 'run-cancel');
    const start = await control('start', id, 'run-cancel');

    expect(cancelled.body).toEqual({ campaignId: id, status: 'cancelled', contacts: 4 });
    expect(calls).toEqual([]);
    expect(status.body).toMatchObject({
      status: 'cancelled',
      contactsDone: { cancelled: 4 },
      contactsOpen: 0,
    });
    expect([resume.statusCode, resume.body]).toEqual([
      409,
      { message: 'Campaign is cancelled and cannot be resumed' },
    ]);
    expect(start.statusCode).toBe(409);
  });

  it('answers 404 for another user’s campaign, and 409 for a draft paused', async () => {
    const id = await createCampaign('run-owner');
    const foreign = await control('pause', id, 'someone-else');
    const draft = await control('pause', id, 'run-owner');
    expect([foreign.statusCode, foreign.body]).toEqual([404, { message: 'Campaign not found' }]);
    expect([draft.statusCode, draft.body]).toEqual([
      409,
      { message: 'Campaign is draft and cannot be paused' },
    ]);
  });
});

describe('the end of a run', () => {
  it('completes by itself once no contact can be called any more', async () => {
    const id = await createCampaign('run-done', { maxAttempts: 1 });
    await addContacts(id, 'run-done', numbers(3, 500));
    await control('start', id, 'run-done');
    const random = seededRandom(3);
    await round({ busy: 1 }, random);
    // Every contact had its one attempt (busy): the next tick finds none open and completes the campaign
    await round({ busy: 1 }, random);
    const status = await statusOf(id, 'run-done');
    expect(status.body).toMatchObject({
      status: 'completed',
      contactsDone: { max_attempts: 3 },
      outcomes: { busy: 3 },
      nextReleaseAt: null,
    });
  });

  it('expires the contacts left when endAt passes, and completes', async () => {
    const id = await createCampaign('run-end');
    await addContacts(id, 'run-end', numbers(3, 600));
    await control('start', id, 'run-end');
    await harness.db.query('UPDATE campaigns SET end_at = $2 WHERE id = $1', [id, harness.now()]);
    await harness.tick();
    const status = await statusOf(id, 'run-end');
    expect(status.body).toMatchObject({ status: 'completed', contactsDone: { expired: 3 }, contactsOpen: 0 });
    expect(await harness.receiveDialTasks(id)).toEqual([]);
  });
});

describe('status and preview', () => {
  it('shows the next release, an estimated finish at the pace, and the last tick', async () => {
    const id = await createCampaign('run-status', { pacing: { callsPerMinute: 2, maxConcurrentCalls: 10 } });
    await addContacts(id, 'run-status', numbers(5, 700));
    await control('start', id, 'run-status');
    await harness.tick();
    const status = await statusOf(id, 'run-status');
    const now = harness.now().getTime();
    expect(status.body).toMatchObject({
      status: 'running',
      contactsOpen: 5,
      lastTick: { at: harness.now().toISOString(), released: 2 },
      // The 3 not released are due now: the next tick, a minute on; at 2 a minute, 3 more minutes for all 5
      nextReleaseAt: new Date(now + 60_000).toISOString(),
      estimatedFinishAt: new Date(now + 4 * 60_000).toISOString(),
    });
  });

  it('says why a running campaign is not dialling: outside hours (when and where they open), paused, dialling', async () => {
    // Prepare: Washington numbers (New York's zone), started at 03:00 there; the window opens at 09:00.
    const id = await createCampaign('run-why', {
      callingWindow: { start: '09:00', end: '20:00', days: EVERY_DAY },
    });
    await addContacts(id, 'run-why', numbers(3, 800));
    await control('start', id, 'run-why');
    const saved = harness.now();
    const dialling = async () =>
      ((await statusOf(id, 'run-why')).body as { dialling: Record<string, unknown> }).dialling;

    // Act: before the first tick, after a tick at night (the contacts moved to the opening), paused, at the opening.
    harness.setNow(new Date('2030-01-15T08:00:00Z'));
    const beforeTick = await dialling();
    await harness.tick();
    const night = await dialling();
    await control('pause', id, 'run-why');
    const paused = await dialling();
    await control('resume', id, 'run-why');
    harness.setNow(new Date('2030-01-15T14:00:00Z'));
    await harness.tick();
    const morning = await dialling();
    harness.setNow(saved);

    // Assess
    const opening = { until: '2030-01-15T14:00:00.000Z', zones: ['America/New_York'] };
    expect(beforeTick).toMatchObject({ dialling: false, reason: 'outside_hours', ...opening });
    expect(night).toMatchObject({ dialling: false, reason: 'outside_hours', ...opening });
    expect(night.message).toContain('America/New_York');
    expect(paused).toMatchObject({ dialling: false, reason: 'paused' });
    expect(morning).toMatchObject({ dialling: true, reason: 'dialling' });
    expect(await harness.receiveDialTasks(id)).toHaveLength(3);
  });

  it('says a campaign waits for its numbers\u2019 per-recipient limits, and until when', async () => {
    // Prepare: two numbers the owner called 3 times in the last hours in another campaign (the limit: 3 in 24 hours).
    const saved = harness.now();
    harness.setNow(new Date('2030-01-15T16:00:00Z')); // 11:00 in New York
    const other = await createCampaign('run-limit');
    await addContacts(other, 'run-limit', numbers(2, 870));
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at)
       SELECT campaign_id, id, n, 'initiated', $2::timestamptz - make_interval(hours => n)
       FROM contacts, generate_series(1, 3) AS n WHERE campaign_id = $1`,
      [other, harness.now()],
    );
    const id = await createCampaign('run-limit', {
      callingWindow: { start: '09:00', end: '20:00', days: EVERY_DAY },
    });
    await addContacts(id, 'run-limit', numbers(2, 870));
    await control('start', id, 'run-limit');

    // Act: a tick releases them, the dialer declines each (over the limit) and puts it back until the limit allows.
    await harness.tick();
    await harness.drain('dialTasks');
    const calls = (await harness.takeCalls()).filter((call) => call.campaignId === id);
    const status = (await statusOf(id, 'run-limit')).body as {
      dialling: Record<string, unknown>;
      nextDueAt: string;
    };
    harness.setNow(saved);

    // Assert: no call went out; the panel says why and until the first number's oldest call is 24 hours old.
    expect(calls).toEqual([]);
    expect(status.dialling).toMatchObject({ dialling: false, reason: 'at_limit', until: status.nextDueAt });
    expect(Date.parse(status.nextDueAt)).toBeGreaterThan(Date.parse('2030-01-16T10:00:00Z'));
  });

  it('previews each of the next 24 hours and why contacts cannot be called, placing no call', async () => {
    // Prepare: New York and Los Angeles contacts, one listed, one at its limit, and one in London
    const id = await createCampaign('run-preview', {
      callingWindow: { start: '09:00', end: '20:00', days: EVERY_DAY },
      pacing: { callsPerMinute: 1, maxConcurrentCalls: 10 },
    });
    const contacts = [
      ...numbers(3, 800),
      { phoneNumber: '+12135550143' },
      { phoneNumber: '+12135550144' },
      { phoneNumber: '+442079460101' },
    ];
    await addContacts(id, 'run-preview', contacts);
    await harness.blacklist(['+12025550800']);
    const saved = harness.now();
    harness.setNow(new Date('2030-01-15T15:30:00Z')); // 10:30 in New York, 07:30 in Los Angeles, 15:30 in London
    // The owner called one of the numbers 3 times in another campaign: 1 and 2 hours ago, and 24 hours 2 minutes ago,
    // inside the 24 hours widened by the call deadline (5 minutes) that the claim counts (rules/README.md)
    const other = await createCampaign('run-preview');
    await addContacts(other, 'run-preview', [{ phoneNumber: '+12025550801' }]);
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at)
       SELECT campaign_id, id, n, 'initiated',
         $2::timestamptz - CASE WHEN n = 3 THEN interval '24 hours 2 minutes' ELSE make_interval(hours => n) END
       FROM contacts, generate_series(1, 3) AS n WHERE campaign_id = $1`,
      [other, harness.now()],
    );

    // Act
    const preview = await harness.http(
      'campaignPreview',
      apiEvent({
        method: 'GET',
        resource: '/campaigns/{campaignId}/preview',
        pathParameters: { campaignId: id },
        userId: 'run-preview',
      }),
    );
    const foreign = await harness.http(
      'campaignPreview',
      apiEvent({
        method: 'GET',
        resource: '/campaigns/{campaignId}/preview',
        pathParameters: { campaignId: id },
        userId: 'someone-else',
      }),
    );
    harness.setNow(saved);

    // Assert: hour 0 (15:30 UTC): New York and London; hour 2 (17:30): all three places; hour 5 (20:30): New York
    // and Los Angeles (London closed at 20:00); hour 13 (04:30 UTC): nobody
    expect(preview.statusCode).toBe(200);
    const hours = preview.body.hours as Array<{ from: string; callable: number; atPace: number }>;
    expect(hours).toHaveLength(24);
    expect(hours[0]).toEqual({ from: '2030-01-15T15:30:00.000Z', callable: 4, atPace: 4 });
    expect(hours[2]?.callable).toBe(6);
    expect(hours[5]?.callable).toBe(5);
    expect(hours[13]?.callable).toBe(0);
    expect(preview.body).toMatchObject({
      contactsOpen: 6,
      rulesVersion: '2026-12-05',
      cannot: { noZone: 0, holiday: 0, blockedDate: 0, outsideHours: 0, listed: 1, limit: 1 },
      checked: 6,
    });
    // Their hours now, largest set first (hand-worked from the window, 09:00-20:00 less the 10 minutes' margin):
    // New York open until 19:50 there, Los Angeles closed until 09:00 there, London open until 19:50.
    expect(preview.body.hoursNow).toMatchObject([
      { zones: ['America/New_York'], contacts: 3, open: true, closesAt: '2030-01-16T00:50:00.000Z' },
      { zones: ['America/Los_Angeles'], contacts: 2, open: false, opensAt: '2030-01-15T17:00:00.000Z' },
      { zones: ['Europe/London'], contacts: 1, open: true, closesAt: '2030-01-15T19:50:00.000Z' },
    ]);
    expect(await harness.attempts(id)).toEqual([]);
    expect(JSON.stringify(preview.body)).not.toContain('2025550800');
    expect(foreign.statusCode).toBe(404);
  });
});

describe('across the daylight-saving changes', () => {
  // Nine zones and a split area code: each contact's number (or given zone), every zone it may be in (written here
  // from the places' geography, not read from the engine) and the rules that apply to it
  const PLACES = [
    { prefix: '+1212555014', zones: ['America/New_York'] },
    { prefix: '+1312555014', zones: ['America/Chicago'] },
    { prefix: '+1213555014', zones: ['America/Los_Angeles'] },
    { prefix: '+1602555014', zones: ['America/Phoenix'] },
    { prefix: '+1808555014', zones: ['Pacific/Honolulu'] },
    // South Dakota's 605: Mountain and Central time at once
    { prefix: '+1605555014', zones: ['America/Chicago', 'America/Denver'] },
    // Texas: no calls before noon on Sundays; Alabama: none on Sundays
    { prefix: '+1214555014', zones: ['America/Chicago'], sunday: 'noon' },
    { prefix: '+1205555014', zones: ['America/Chicago'], sunday: 'none' },
    { prefix: '+44207946010', zones: ['Europe/London'] },
    { prefix: '+9771441123', zones: ['Asia/Kathmandu', 'Asia/Katmandu'] },
    // Given Lord Howe on a Sydney number: both
    {
      prefix: '+6129374400',
      zones: ['Australia/Lord_Howe', 'Australia/Sydney'],
      timeZone: 'Australia/Lord_Howe',
    },
  ] as const;

  /** Day and minute of the day in `zone` at `at`, read with Intl here, not with the code under test. */
  function wallClock(at: Date, zone: string): { day: string; minute: number } {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      })
        .formatToParts(at)
        .map((part) => [part.type, part.value]),
    );
    return { day: String(parts.weekday), minute: Number(parts.hour) * 60 + Number(parts.minute) };
  }

  /** Why a call sent at `at` to a contact of `place` was outside its hours, or undefined when it was inside. */
  function outside(at: Date, zones: readonly string[], sunday?: string): string | undefined {
    for (const zone of zones) {
      const { day, minute } = wallClock(at, zone);
      // The campaign's 09:00-20:00, no call started in its last 10 minutes; the stricter Sunday rules
      if (minute < 9 * 60 || minute >= 19 * 60 + 50) return `${zone} ${day} ${minute}`;
      if (day === 'Sun' && sunday === 'none') return `${zone} Sunday`;
      if (day === 'Sun' && sunday === 'noon' && minute < 12 * 60) return `${zone} Sunday morning`;
    }
    return undefined;
  }

  it('calls nobody outside their window at the claim, in every zone, from 12 March to 2 April 2027', async () => {
    // Prepare: 4 contacts in each place, 10 attempts two days apart, no call answered
    const id = await createCampaign('run-dst', {
      callingWindow: { start: '09:00', end: '20:00', days: EVERY_DAY },
      maxAttempts: 10,
      retryDelays: { busy: 2880, no_answer: 2880, machine: 2880, failed: 2880 },
      pacing: { callsPerMinute: 1000, maxConcurrentCalls: 1000 },
    });
    await addContacts(
      id,
      'run-dst',
      PLACES.flatMap((place) =>
        [1, 2, 3, 4].map((n) => ({
          phoneNumber: `${place.prefix}${n}`,
          ...('timeZone' in place ? { timeZone: place.timeZone } : {}),
        })),
      ),
    );
    const saved = harness.now();
    harness.setNow(new Date('2027-03-12T00:00:00Z'));
    await harness.db.query('UPDATE contacts SET next_call_at = $2 WHERE campaign_id = $1', [
      id,
      harness.now(),
    ]);
    await control('start', id, 'run-dst');
    const random = seededRandom(11);

    // Act: the run, the clock jumping from one due contact to the next
    let rounds = 0;
    while ((await harness.campaignStatus(id)) === 'running' && rounds < 600) {
      await round({ no_answer: 95, busy: 5 }, random);
      await harness.jumpToNextDue(id);
      rounds += 1;
    }
    harness.setNow(saved);

    // Assert: every call's send time, in each zone this test says its contact may be in
    const { rows: sent } = await harness.db.query<{
      phone_number: string;
      initiated_at: Date;
      compliance: { localTimes: Record<string, string>; callingHours: { open: boolean; rules: string[] } };
    }>(
      `SELECT c.phone_number, a.initiated_at, a.compliance
       FROM call_attempts a JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
       WHERE a.campaign_id = $1 AND a.status = 'initiated' ORDER BY a.initiated_at`,
      [id],
    );
    const violations = sent.flatMap((call) => {
      const place = PLACES.find((p) => call.phone_number.startsWith(p.prefix));
      if (place === undefined) return [`${call.phone_number.slice(0, 6)}: a number of no place of this test`];
      const why = outside(call.initiated_at, place.zones, 'sunday' in place ? place.sunday : undefined);
      return why ? [`${call.initiated_at.toISOString()} ${why}`] : [];
    });
    expect(violations).toEqual([]);
    expect(await harness.campaignStatus(id)).toBe('completed');
    // Each place was called before the US change (14 March), between the two, and after the EU one (28 March)
    for (const place of PLACES) {
      const times = sent
        .filter((call) => call.phone_number.startsWith(place.prefix))
        .map((c) => c.initiated_at.getTime());
      expect(times.some((t) => t < Date.parse('2027-03-14T00:00:00Z'))).toBe(true);
      expect(
        times.some((t) => t > Date.parse('2027-03-15T00:00:00Z') && t < Date.parse('2027-03-28T00:00:00Z')),
      ).toBe(true);
      expect(times.some((t) => t > Date.parse('2027-03-29T00:00:00Z'))).toBe(true);
    }
    // The record of each call: checked open, with the local time in each zone this test expects (at least)
    for (const call of sent) {
      const place = PLACES.find((p) => call.phone_number.startsWith(p.prefix));
      expect(call.compliance.callingHours.open).toBe(true);
      expect(Object.keys(call.compliance.localTimes)).toEqual(
        expect.arrayContaining((place?.zones ?? []).filter((zone) => zone !== 'Asia/Kathmandu')),
      );
    }
    // No contact past its 10 attempts
    const { rows: over } = await harness.db.query(
      'SELECT contact_id FROM call_attempts WHERE campaign_id = $1 GROUP BY contact_id HAVING max(attempt) > 10',
      [id],
    );
    expect(over).toEqual([]);
  }, 240_000);
});
