/**
 * The minute's tick fanned out, on the embedded stack: the scheduler's groups on the campaign-ticks queue, each
 * ticked by a campaign ticker in the tick's trace; a campaign claimed for a tick is never ticked by another at once,
 * nor twice for one tick, nor by a group that comes late; a campaign whose tick fails holds up no other and is
 * ticked again next minute.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());
// Loaded after the stack: the tracing they load reads the stack's settings once.
const { createScheduleRepository } = await import('../../src/repositories/scheduleRepository.ts');
const { createDatabase } = await import('../../src/lib/database.ts');

const running = async (prefix: string, campaigns: number, contactsEach: number) => {
  const ids: string[] = [];
  for (let i = 0; i < campaigns; i += 1) {
    const id = `${prefix}-${String(i).padStart(2, '0')}`;
    await harness.seedCampaign(id, 'owner-fan', contactsEach, 8000 + i * contactsEach);
    ids.push(id);
  }
  return ids;
};

/** The dial tasks released so far for these campaigns. */
const tasksOf = async (ids: readonly string[]) =>
  (await harness.receiveDialTasks()).filter((task) => ids.includes(task.campaignId));

describe('the minute’s tick, fanned out', () => {
  it('sends the campaigns in groups of 10 and ticks every group in the tick’s trace', async () => {
    // Prepare: 23 running campaigns of 2 contacts each.
    const ids = await running('fan', 23, 2);

    // Act
    const tick = await harness.tick();
    const tasks = await tasksOf(ids);

    // Assess: 3 groups (10, 10, 3), every campaign's 2 contacts released once, each group's ticker in the trace.
    expect(tick.summary).toMatchObject({ groups: 3, unsent: 0 });
    expect(tick.groups).toHaveLength(3);
    expect(tasks).toHaveLength(46);
    expect(new Set(tasks.map((task) => `${task.campaignId}:${task.contactId}`)).size).toBe(46);
    const docs = await harness.stack.xray.waitFor(
      (all) =>
        all.filter((doc) => doc.trace_id === tick.traceId && doc.name === 'campaignTicker').length >= 3,
    );
    const scheduled = docs.filter((doc) => doc.trace_id === tick.traceId && doc.name === 'ScheduleCampaign');
    expect(
      scheduled.map((doc) => doc.annotations?.campaignId).filter((id) => ids.includes(String(id))),
    ).toHaveLength(23);
    const { rows } = await harness.db.query(
      'SELECT count(*)::int AS n FROM campaigns WHERE id = ANY($1) AND tick_lease_until IS NULL AND last_tick_at IS NOT NULL',
      [ids],
    );
    expect(rows).toEqual([{ n: 23 }]);
  });

  it('claims a campaign for one tick at a time, once per tick, and not for a group that comes after a later tick', async () => {
    // Prepare
    const ids = await running('claim', 3, 1);
    const database = createDatabase({ url: harness.stack.databaseUrl, poolMax: 2, ssl: false });
    const schedule = createScheduleRepository(database);
    const at = harness.now();
    const later = new Date(at.getTime() + 60_000);
    const claim = async (tickId: string, tickAt: Date, now: Date) =>
      (await schedule.claimForTick(ids, { tickId, tickAt, at: now, leaseSeconds: 90 })).map((c) => c.id);

    // Act
    const first = await claim('tick-1', at, at);
    const whileHeld = await claim('tick-2', at, at);
    for (const id of ids) await schedule.finishTick(id, { at, released: 0 });
    const sameTickAgain = await claim('tick-1', at, at);
    const nextMinute = await claim('tick-3', later, later);
    for (const id of ids) await schedule.finishTick(id, { at: later, released: 0 });
    const lateGroup = await claim('tick-2', at, new Date(later.getTime() + 5_000));
    // A ticker that died holding its claim: free again once the lease is over.
    const held = await claim(
      'tick-4',
      new Date(later.getTime() + 60_000),
      new Date(later.getTime() + 60_000),
    );
    const afterLease = await claim(
      'tick-5',
      new Date(later.getTime() + 151_000),
      new Date(later.getTime() + 151_000),
    );
    await database.end();

    // Assess
    expect(first).toEqual(ids);
    expect(whileHeld).toEqual([]);
    expect(sameTickAgain).toEqual([]);
    expect(nextMinute).toEqual(ids);
    expect(lateGroup).toEqual([]);
    expect(held).toEqual(ids);
    expect(afterLease).toEqual(ids);
  });

  it('ticks the others of a group when one campaign’s tick fails, and frees that one for the next minute', async () => {
    // Prepare: three campaigns in one group; the middle one's settings unreadable by its tick.
    const ids = await running('fail', 3, 1);
    await harness.db.query(`UPDATE campaigns SET pacing = '"not pacing"' WHERE id = $1`, [ids[1]]);

    // Act
    const tick = await harness.tick();
    const tasks = await tasksOf(ids);

    // Assess: the other two released; the failing one counted failed, its claim released for the next tick.
    expect(tasks.map((task) => task.campaignId).sort()).toEqual([ids[0], ids[2]]);
    expect(tick.output.join('')).toMatch(/"ticked_with_failures":1/);
    const { rows } = await harness.db.query(
      'SELECT tick_lease_until IS NULL AS released FROM campaigns WHERE id = $1',
      [ids[1]],
    );
    expect(rows).toEqual([{ released: true }]);
  });
});
