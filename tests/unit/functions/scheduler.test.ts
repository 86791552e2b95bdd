/**
 * The minute's tick through the functions' `build(deps)` with the shared fakes: the scheduler sends its groups, the
 * campaign ticker ticks them. Which contacts a tick releases (inside their hours, at the campaign's pace), what a
 * cancelled or ended campaign becomes, a campaign never ticked twice for one tick. The calling rules are the real
 * ones. No servers.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from '@jest/globals';
import type { ScheduledEvent } from 'aws-lambda';
import { DEFAULT_BEST_TIME, DEFAULT_SETTINGS } from '../../../src/domain/campaignSettings.ts';
import type { ActiveCampaign } from '../../../src/domain/schedule.ts';
import { betaDraw, seededRandom } from '../../../src/lib/random.ts';
import { fakeMessageQueue } from '../../fakes/messageQueue.ts';
import { fakeModelStore } from '../../fakes/modelStore.ts';
import { fakeRejectionStore } from '../../fakes/rejectionStore.ts';
import { type FakeContact, fakeScheduleRepository } from '../../fakes/scheduleRepository.ts';
import { eveningModel } from '../../helpers/answerModels.ts';
import { lambdaContext, sqsEvent } from '../../helpers/lambda.ts';

Object.assign(process.env, {
  STAGE: 'test',
  DATABASE_URL: 'postgresql://unused',
  DIAL_TASKS_QUEUE_URL: 'http://unused',
  CAMPAIGN_TICKS_QUEUE_URL: 'http://unused',
  MODEL_BUCKET: 'unused',
});
const { build } = await import('../../../src/functions/scheduler.ts');
const { build: buildTicker } = await import('../../../src/functions/campaignTicker.ts');

// A Tuesday, 16:00 UTC: 11:00 in New York, 08:00 in Los Angeles (before the campaign's 09:00).
const NOW = new Date('2030-01-15T16:00:00Z');
const NEW_YORK = '+1212555';
const LOS_ANGELES = '+1213555';

const campaign = (overrides: Partial<ActiveCampaign> = {}): ActiveCampaign => ({
  id: 'c-1',
  userId: 'u-1',
  status: 'running',
  callingWindow: { start: '09:00', end: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
  blockedDates: [],
  maxAttempts: 3,
  retryDelays: DEFAULT_SETTINGS.retryDelays,
  pacing: { callsPerMinute: 60, maxConcurrentCalls: 10 },
  startAt: null,
  endAt: null,
  startedAt: null,
  bestTime: DEFAULT_BEST_TIME,
  ...overrides,
});
const contacts = (prefix: string, count: number, from = 0): FakeContact[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${prefix === NEW_YORK ? 'ny' : 'la'}-${from + i}`,
    phoneNumber: `${prefix}${String(100 + from + i).padStart(4, '0')}`,
    nextCallAt: new Date(NOW.getTime() - 60_000 * (count - i)),
  }));

function scheduler(closeRows = 20_000, at = NOW) {
  const schedule = fakeScheduleRepository();
  const dialTasks = fakeMessageQueue();
  const campaignTicks = fakeMessageQueue();
  const models = fakeModelStore();
  const logger = new Logger({ serviceName: 'voice-campaign', logLevel: 'SILENT' });
  const fanOut = build({ schedule, campaignTicks, groupSize: 2, now: () => at, logger });
  const ticker = buildTicker({
    schedule,
    dialTasks,
    rejections: fakeRejectionStore(),
    bestTime: { models, draw: betaDraw(seededRandom(1)) },
    now: () => at,
    tickLeaseSeconds: 90,
    spreadSeconds: 60,
    times: { releaseLeaseMinutes: 15, resultTimeoutMinutes: 60 },
    closeRows,
    logger,
  });
  /** The groups sent so far, as the ticker's mapping delivers them (one an invocation). */
  const deliver = async (groups: string[]) => {
    const responses = [];
    for (const group of groups)
      responses.push(await ticker(sqsEvent([group], 'campaign-ticks'), lambdaContext('campaignTicker')));
    return responses;
  };
  const tick = async () => {
    const run = await fanOut({} as ScheduledEvent, lambdaContext('scheduler'));
    const groups = campaignTicks.sent.splice(0).map((m) => JSON.stringify(m.body));
    const responses = await deliver(groups);
    return { ...run, groups, failures: responses.flatMap((r) => r.batchItemFailures) };
  };
  return { schedule, dialTasks, models, tick, deliver };
}

describe('scheduler (build with fakes)', () => {
  it('releases contacts inside their calling hours only, up to the calls in flight allowed, spread over the minute', async () => {
    // Prepare
    const { schedule, dialTasks, tick } = scheduler();
    schedule.campaigns.push(campaign());
    schedule.contacts.set('c-1', [...contacts(LOS_ANGELES, 3), ...contacts(NEW_YORK, 12)]);
    schedule.inFlightCalls.set('c-1', 4);

    // Act
    const run = await tick();

    // Assess: 10 concurrent calls at most, 4 in flight: 6 released, all in New York (Los Angeles is at 08:00).
    expect(run.summary).toMatchObject({ campaigns: 1, groups: 1, unsent: 0 });
    expect(dialTasks.sent.map((m) => m.id)).toEqual(['ny-0', 'ny-1', 'ny-2', 'ny-3', 'ny-4', 'ny-5']);
    expect(dialTasks.sent.map((m) => m.delaySeconds)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(dialTasks.sent[0]?.body).toEqual({
      campaignId: 'c-1',
      contactId: 'ny-0',
      attempt: 1,
      phoneNumber: '+12125550100',
      userId: 'u-1',
    });
    // Los Angeles waits for its 09:00; released contacts are due again after the release lease.
    const la = schedule.contacts.get('c-1')?.find((c) => c.id === 'la-0');
    expect(la?.nextCallAt).toEqual(new Date('2030-01-15T17:00:00Z'));
    const ny = schedule.contacts.get('c-1')?.find((c) => c.id === 'ny-0');
    expect(ny?.nextCallAt).toEqual(new Date(NOW.getTime() + 15 * 60_000));
    expect(schedule.ticks).toEqual([{ campaignId: 'c-1', released: 6 }]);
  });

  it('releases nothing while the calls in flight fill the campaign’s concurrency', async () => {
    const { schedule, dialTasks, tick } = scheduler();
    schedule.campaigns.push(campaign());
    schedule.contacts.set('c-1', contacts(NEW_YORK, 5));
    schedule.inFlightCalls.set('c-1', 10);

    await tick();

    expect(dialTasks.sent).toEqual([]);
    expect(schedule.ticks).toEqual([{ campaignId: 'c-1', released: 0 }]);
  });

  it('closes a cancelled campaign over as many ticks as its open contacts need, then marks it closed', async () => {
    // Prepare
    const { schedule, dialTasks, tick } = scheduler(4);
    schedule.campaigns.push(campaign({ status: 'cancelled' }));
    schedule.contacts.set('c-1', contacts(NEW_YORK, 6));

    // Act
    await tick();
    const afterFirst = schedule.ended.get('c-1');
    await tick();

    // Assess
    expect(afterFirst).toBeUndefined();
    expect(schedule.ended.get('c-1')).toBe('closed');
    expect(schedule.contacts.get('c-1')?.map((c) => c.final)).toEqual(Array(6).fill('cancelled'));
    expect(dialTasks.sent).toEqual([]);
  });

  it('completes a running campaign whose contacts are all done, and ends one past its end as expired', async () => {
    // Prepare
    const { schedule, tick } = scheduler();
    schedule.campaigns.push(campaign({ id: 'done' }), campaign({ id: 'over', endAt: NOW }));
    schedule.contacts.set('done', [{ ...contacts(NEW_YORK, 1)[0], final: 'answered' } as FakeContact]);
    schedule.contacts.set('over', contacts(NEW_YORK, 2));

    // Act
    const run = await tick();

    // Assess
    expect(run.failures).toEqual([]);
    expect([...schedule.ended]).toEqual([
      ['done', 'completed'],
      ['over', 'completed'],
    ]);
    expect(schedule.contacts.get('over')?.map((c) => c.final)).toEqual(['expired', 'expired']);
  });

  it('orders a campaign’s callable contacts by its owner’s answer model, reading the model once', async () => {
    // Prepare: 18:30 in New York (evening: answered more), 15:30 in Los Angeles; Los Angeles contacts due longest.
    const evening = new Date('2030-01-15T23:30:00Z');
    const { schedule, dialTasks, models, tick } = scheduler(20_000, evening);
    // Ordering only (no holds): New York's 19:00 would be held for.
    const bestTime = { ...DEFAULT_BEST_TIME, enabled: true, controlShare: 0, maxHoldHours: 0 };
    schedule.campaigns.push(campaign({ bestTime }));
    const dueLast = (c: FakeContact) => ({ ...c, nextCallAt: new Date(evening.getTime() - 1_000) });
    schedule.contacts.set('c-1', [...contacts(LOS_ANGELES, 20), ...contacts(NEW_YORK, 20).map(dueLast)]);
    await models.save('u-1', eveningModel('v-evening', ['US-NY'], new Date('2030-01-15T00:00:00Z')));
    await models.promote('u-1', { version: 'v-evening', promotedAt: evening.toISOString(), reason: 'test' });

    // Act
    await tick();
    await tick();

    // Assess: the first tick's 10 (the concurrency) all in New York; the model read from the bucket once.
    expect(dialTasks.sent.slice(0, 10).map((m) => m.id.slice(0, 2))).toEqual(Array(10).fill('ny'));
    expect(models.reads).toBe(1);
  });

  it('holds contacts for a better hour of their calling hours today, due again at its start', async () => {
    // Prepare: 19:30 in New York (the model's best hour), 16:30 in Los Angeles (its evening to come).
    const at = new Date('2030-01-16T00:30:00Z');
    const { schedule, dialTasks, models, tick } = scheduler(20_000, at);
    schedule.campaigns.push(campaign({ bestTime: { ...DEFAULT_BEST_TIME, enabled: true, controlShare: 0 } }));
    // Due a minute ago (a contact due for longer has waited: its wait counts against the hold).
    const dueNow = (c: FakeContact) => ({ ...c, nextCallAt: new Date(at.getTime() - 60_000) });
    schedule.contacts.set('c-1', [...contacts(LOS_ANGELES, 5), ...contacts(NEW_YORK, 5)].map(dueNow));
    await models.save('u-1', eveningModel('v-evening', ['US-NY', 'US-CA'], at));
    await models.promote('u-1', { version: 'v-evening', promotedAt: at.toISOString(), reason: 'test' });

    // Act
    await tick();

    // Assess: New York's called now; Los Angeles's due again at the start of an hour of their evening (18-20 there).
    expect(dialTasks.sent.map((m) => m.id.slice(0, 2))).toEqual(Array(5).fill('ny'));
    const held = schedule.contacts.get('c-1')?.filter((c) => c.id.startsWith('la')) ?? [];
    expect(held).toHaveLength(5);
    for (const contact of held) {
      const hoursOn = (contact.nextCallAt.getTime() - at.getTime()) / 3_600_000;
      expect([1.5, 2.5, 3.5]).toContain(hoursOn);
    }
  });

  it('keeps calling in the default order when the model cannot be read, or the campaign does not use it', async () => {
    const evening = new Date('2030-01-15T23:30:00Z');
    const { schedule, dialTasks, models, tick } = scheduler(20_000, evening);
    schedule.campaigns.push(
      campaign({ bestTime: { ...DEFAULT_BEST_TIME, enabled: true, controlShare: 0 } }),
      campaign({ id: 'c-2' }),
    );
    // New York's contacts came due last: the default order takes Los Angeles's first.
    const dueLast = (c: FakeContact) => ({ ...c, nextCallAt: new Date(evening.getTime() - 1_000) });
    schedule.contacts.set('c-1', [...contacts(LOS_ANGELES, 20), ...contacts(NEW_YORK, 20).map(dueLast)]);
    schedule.contacts.set('c-2', [...contacts(LOS_ANGELES, 20), ...contacts(NEW_YORK, 20).map(dueLast)]);
    await models.save('u-1', eveningModel('v-evening', ['US-NY'], new Date('2030-01-15T00:00:00Z')));
    await models.promote('u-1', { version: 'v-evening', promotedAt: evening.toISOString(), reason: 'test' });
    models.down = true;

    const run = await tick();

    expect(run.failed).toBe(0);
    expect(run.failures).toEqual([]);
    expect(dialTasks.sent.map((m) => m.id.slice(0, 2))).toEqual(Array(20).fill('la'));
  });

  it('ticks the campaigns in groups, each once for a tick: a group delivered twice, or a campaign held by another tick, is left alone', async () => {
    // Prepare: five campaigns, groups of two; c-5 held by a tick still running.
    const { schedule, dialTasks, tick, deliver } = scheduler();
    for (const id of ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']) {
      schedule.campaigns.push(campaign({ id }));
      schedule.contacts.set(id, contacts(NEW_YORK, 1));
    }
    schedule.claims.set('c-5', { tickId: 'earlier', until: new Date(NOW.getTime() + 30_000) });

    // Act
    const run = await tick();
    const again = await deliver(run.groups);

    // Assess: three groups; each campaign but the held one ticked once, the copies of the groups changed nothing.
    expect(run.summary).toMatchObject({ campaigns: 5, groups: 3, unsent: 0 });
    expect(run.groups.map((g) => JSON.parse(g).campaignIds)).toEqual([
      ['c-1', 'c-2'],
      ['c-3', 'c-4'],
      ['c-5'],
    ]);
    expect(schedule.ticks.map((t) => t.campaignId)).toEqual(['c-1', 'c-2', 'c-3', 'c-4']);
    expect(dialTasks.sent).toHaveLength(4);
    expect(again.flatMap((r) => r.batchItemFailures)).toEqual([]);
    // Released when its tick ends: the next minute's tick takes it.
    schedule.claims.set('c-5', { tickId: 'earlier', until: null });
    await tick();
    expect(schedule.ticks.filter((t) => t.campaignId === 'c-5')).toHaveLength(1);
  });
});
