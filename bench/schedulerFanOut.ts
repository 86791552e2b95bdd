/**
 * The minute's tick over many campaigns (`npm run bench`'s `schedulerFanOut`): 1, 100 and 1,000 running campaigns
 * (each 20 contacts due, at the default pace), the scheduler's fan-out sending their groups to the campaign-ticks
 * queue, then the groups ticked by `CONSUMERS` campaign tickers at once (each a loop receiving one group at a time
 * from the queue, as the event source mapping delivers them, and running the ticker's service on it). Measured: the
 * fan-out's time, the whole minute's work (fan-out to the last group done), and the tickers' busy time per campaign:
 * flat when a campaign costs the same whatever the number of campaigns. 10,000 is worked out from the per-campaign
 * cost and the production mapping's concurrency (docs/scaling.md), not run: 200,000 dial tasks on 2 cores.
 */
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import type { LocalStack } from '../local/stack.ts';

const CONSUMERS = 4;
const CONTACTS = 20;

export async function measureSchedulerFanOut(stack: LocalStack, db: pg.Pool, counts = [1, 100, 1_000]) {
  const { createScheduler } = await import('../src/services/scheduler.ts');
  const { createTickFanOut } = await import('../src/services/tickFanOut.ts');
  const { createScheduleRepository } = await import('../src/repositories/scheduleRepository.ts');
  const { openDatabase } = await import('../src/lib/database.ts');
  const { createMessageQueue } = await import('../src/adapters/messageQueue.ts');
  const { sqsClient } = await import('../src/lib/sqsClient.ts');
  // A Tuesday, 17:00 UTC: noon in New York.
  const at = new Date('2030-01-15T17:00:00Z');
  const schedule = createScheduleRepository(openDatabase());
  const ticksQueue = stack.queueUrls.campaignTicks;
  const fanOut = createTickFanOut({
    schedule,
    campaignTicks: createMessageQueue({ sqs: sqsClient, queueUrl: ticksQueue }),
    groupSize: 10,
    now: () => at,
  });
  const ticker = createScheduler({
    schedule,
    dialTasks: createMessageQueue({ sqs: sqsClient, queueUrl: stack.queueUrls.dialTasks }),
    now: () => at,
    tickLeaseSeconds: 90,
    spreadSeconds: 0,
    times: { releaseLeaseMinutes: 15, resultTimeoutMinutes: 60 },
    closeRows: 20_000,
  });

  /** One ticker: groups received one at a time until the queue is empty; answers its busy time and campaigns. */
  async function consume(): Promise<{ busyMs: number; campaigns: number; failed: number }> {
    let busyMs = 0;
    let campaigns = 0;
    let failed = 0;
    for (;;) {
      const { Messages = [] } = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: ticksQueue, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
      );
      const message = Messages[0];
      if (message === undefined) return { busyMs, campaigns, failed };
      const start = performance.now();
      const outcomes = await ticker.tickGroups([
        { id: message.MessageId ?? '', body: JSON.parse(message.Body ?? '{}') },
      ]);
      busyMs += performance.now() - start;
      for (const outcome of outcomes.values()) {
        if (outcome.kind !== 'done') failed += 1;
        else {
          campaigns += outcome.counts?.campaigns ?? 0;
          failed += outcome.counts?.failed ?? 0;
        }
      }
      await sqsClient.send(
        new DeleteMessageCommand({ QueueUrl: ticksQueue, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }

  await db.query(`UPDATE campaigns SET status = 'paused' WHERE status = 'running'`);
  const runs: Record<string, unknown>[] = [];
  for (const count of counts) {
    const prefix = `fan${count}-`;
    await db.query(
      `INSERT INTO campaigns (id, user_id, name, status, calling_window)
       SELECT $1 || i, 'bench-fan', $1 || i, 'running',
         '{"start": "08:00", "end": "21:00", "days": ["mon","tue","wed","thu","fri","sat","sun"]}'
       FROM generate_series(1, $2::int) AS i`,
      [prefix, count],
    );
    await db.query(
      `INSERT INTO contacts (campaign_id, id, phone_number, next_call_at)
       SELECT $1 || i, 'c' || k, '+1212' || lpad(((i * $3 + k) % 10000000)::text, 7, '0'), $4::timestamptz - interval '1 minute'
       FROM generate_series(1, $2::int) AS i, generate_series(1, $3::int) AS k`,
      [prefix, count, CONTACTS, at],
    );
    await db.query('ANALYZE campaigns; ANALYZE contacts');
    const start = performance.now();
    const sent = await fanOut.fanOut();
    const fanOutMs = performance.now() - start;
    const consumers = await Promise.all(Array.from({ length: CONSUMERS }, () => consume()));
    const minuteMs = performance.now() - start;
    const busyMs = consumers.reduce((sum, c) => sum + c.busyMs, 0);
    const ticked = consumers.reduce((sum, c) => sum + c.campaigns, 0);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM call_attempts WHERE campaign_id LIKE $1 || '%'`,
      [prefix],
    );
    runs.push({
      campaigns: count,
      groups: sent.groups,
      ticked,
      failed: consumers.reduce((sum, c) => sum + c.failed, 0),
      released: rows[0]?.n ?? 0,
      fanOutMs: Number(fanOutMs.toFixed(1)),
      minuteMs: Number(minuteMs.toFixed(1)),
      busyMsPerCampaign: Number((busyMs / Math.max(1, ticked)).toFixed(2)),
    });
    await db.query(`UPDATE campaigns SET status = 'paused' WHERE id LIKE $1 || '%'`, [prefix]);
  }
  const perCampaign = (i: number) => Number((runs[i] as { busyMsPerCampaign: number }).busyMsPerCampaign);
  const largest = runs[runs.length - 1] as { busyMsPerCampaign: number; fanOutMs: number; campaigns: number };
  // 10,000 campaigns on paper: the per-campaign cost measured at the largest run, over the production mapping's
  // concurrency (tickerMaxConcurrency 20), plus the fan-out's time scaled with the campaigns it reads and sends.
  const prodConcurrency = 20;
  const tenThousandS = Number(
    (
      (10_000 * largest.busyMsPerCampaign) / prodConcurrency / 1000 +
      (largest.fanOutMs * 10_000) / largest.campaigns / 1000
    ).toFixed(1),
  );
  return {
    consumers: CONSUMERS,
    contactsPerCampaign: CONTACTS,
    runs,
    // Flat: the per-campaign cost at 1,000 campaigns over its cost at 100.
    perCampaignRatio: Number((perCampaign(runs.length - 1) / perCampaign(runs.length - 2)).toFixed(2)),
    tenThousand: { concurrency: prodConcurrency, minuteS: tenThousandS },
  };
}

if (import.meta.main) {
  const { runOnBenchStack } = await import('./benchStack.ts');
  const counts = process.argv.slice(2).map(Number);
  await runOnBenchStack(({ stack, db }) =>
    measureSchedulerFanOut(stack, db, counts.length > 0 ? counts : undefined),
  );
}
