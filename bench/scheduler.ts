/**
 * The scheduler's cost per tick: one tick for a running campaign of 100,000 contacts and one of 1,000,000 (the same
 * mix of states: done, due for the first time, retries due, calls in flight, due later; numbers over 8 area codes
 * and 5 zones), each with the other campaign paused. For each: the tick's time and what it released, and the due
 * query's plan (`EXPLAIN (ANALYZE, BUFFERS)`: execution time, rows read, buffers); first right after the rows were
 * inserted (never analysed: what the planner makes of rows it has no statistics of), then once analysed. Then a
 * third campaign as large as the larger, written into the analysed table and started as the product starts one (a
 * start of 10,000 contacts or more refreshes the statistics, as an import's end does), and its first tick.
 * Last, the larger campaign's tick with the answer model (bestTimeToCall, docs/best-time.md) against the same tick
 * without it, in turns, five of each (the medians): the model as an instance holds it once loaded.
 * The tick runs the real scheduler service on the embedded stack, sending its dial tasks to the local SQS.
 */
import type pg from 'pg';
import type { LocalStack } from '../local/stack.ts';
import { betaDraw, seededRandom } from '../src/lib/random.ts';
import { eveningModel } from '../tests/helpers/answerModels.ts';

// Area codes in five zones (the calling rules derive each contact's zones from its number).
const AREAS = ['202', '212', '312', '214', '303', '213', '415', '808'] as const;

/** A campaign of `size` contacts at `at`, its states in fixed shares, written with a few set-based statements. */
async function seed(db: pg.Pool, id: string, size: number, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO campaigns (id, user_id, name, status, pacing, calling_window)
     VALUES ($1, 'bench', $1, 'paused', '{"callsPerMinute": 1000, "maxConcurrentCalls": 5000}',
             '{"start": "08:00", "end": "21:00", "days": ["mon","tue","wed","thu","fri","sat","sun"]}')`,
    [id],
  );
  // i % 10: 0-2 done (answered), 3-6 and 8 due for the first time, 7 a retry due, 9 due later; one in a thousand (of
  // the 8s) with its call in flight.
  await db.query(
    `INSERT INTO contacts (campaign_id, id, phone_number, next_call_at, final_outcome)
     SELECT $1, 'c' || i,
       '+1' || (($3::text[])[1 + i % 8]) || (200 + i / 80000)::text || lpad((i / 8 % 10000)::text, 4, '0'),
       CASE WHEN i % 10 < 3 THEN NULL
            WHEN i % 1000 = 8 THEN $4::timestamptz + interval '10 minutes'
            WHEN i % 10 = 9 THEN $4::timestamptz + interval '2 hours'
            ELSE $4::timestamptz - make_interval(secs => i % 7200) END,
       CASE WHEN i % 10 < 3 THEN 'answered' END
     FROM generate_series(0, $2 - 1) AS i`,
    [id, size, [...AREAS], at],
  );
  await db.query(
    `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at, outcome, created_at, updated_at)
     SELECT $1, 'c' || i, 1, 'initiated', $3::timestamptz - interval '3 hours',
       CASE WHEN i % 10 < 3 THEN 'answered' WHEN i % 10 = 7 THEN 'busy' WHEN i % 10 = 9 THEN 'no_answer' END,
       $3::timestamptz - interval '3 hours', $3::timestamptz - interval '3 hours'
     FROM generate_series(0, $2 - 1) AS i WHERE i % 10 IN (0, 1, 2, 7, 9)`,
    [id, size, at],
  );
  await db.query(
    `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at, created_at, updated_at)
     SELECT $1, 'c' || i, 1, 'initiated', $3::timestamptz - interval '2 minutes', $3, $3
     FROM generate_series(0, $2 - 1) AS i WHERE i % 1000 = 8`,
    [id, size, at],
  );
}

interface Plan {
  executionMs: number;
  planningMs: number;
  /** Rows the due query read from the contacts' index (its index scan's actual rows). */
  rowsRead: number;
  sharedBuffers: number;
  nodes: string[];
}

function readPlan(plan: Record<string, unknown>): Plan {
  const nodes: string[] = [];
  let rowsRead = 0;
  const walk = (node: Record<string, unknown>) => {
    const type = String(node['Node Type']);
    nodes.push(node['Index Name'] ? `${type} (${node['Index Name']})` : type);
    if (node['Relation Name'] === 'contacts')
      rowsRead += Number(node['Actual Rows'] ?? 0) * Number(node['Actual Loops'] ?? 1);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  const top = plan.Plan as Record<string, unknown>;
  walk(top);
  return {
    executionMs: Number(plan['Execution Time']),
    planningMs: Number(plan['Planning Time']),
    rowsRead,
    sharedBuffers: Number(top['Shared Hit Blocks'] ?? 0) + Number(top['Shared Read Blocks'] ?? 0),
    nodes: [...new Set(nodes)],
  };
}

export async function measureScheduler(
  stack: LocalStack,
  db: pg.Pool,
  sizes = { small: 100_000, large: 1_000_000 },
) {
  const { createScheduler } = await import('../src/services/scheduler.ts');
  const { createScheduleRepository, DUE_SQL } = await import('../src/repositories/scheduleRepository.ts');
  const { openDatabase } = await import('../src/lib/database.ts');
  const { createCampaignRepository } = await import('../src/repositories/campaignRepository.ts');
  const { createMessageQueue } = await import('../src/adapters/messageQueue.ts');
  const { sqsClient } = await import('../src/lib/sqsClient.ts');
  const { scanLimit } = await import('../src/services/scheduler.ts');
  // A Tuesday, 17:00 UTC: noon in New York, 09:00 in Los Angeles, 07:00 in Honolulu (outside its hours).
  const at = new Date('2030-01-15T17:00:00Z');
  // Each repository call timed: where a tick's time goes (the statements, against the SQS sends).
  const repository = createScheduleRepository(openDatabase());
  const statementMs: Record<string, number> = {};
  const timed = Object.fromEntries(
    Object.entries(repository).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        } finally {
          statementMs[name] = Number(((statementMs[name] ?? 0) + performance.now() - start).toFixed(1));
        }
      },
    ]),
  ) as unknown as typeof repository;
  const deps = {
    schedule: timed,
    dialTasks: createMessageQueue({ sqs: sqsClient, queueUrl: stack.queueUrls.dialTasks }),
    now: () => at,
    spreadSeconds: 0,
    times: { releaseLeaseMinutes: 15, resultTimeoutMinutes: 60 },
    closeRows: 20_000,
    tickLeaseSeconds: 90,
  };
  const scheduler = createScheduler(deps);
  // An owner's model that learned evenings answer best, in the regions of the campaign's numbers.
  const model = eveningModel('bench', ['US-DC', 'US-NY', 'US-IL', 'US-TX', 'US-CO', 'US-CA', 'US-HI'], at);
  const withModel = createScheduler({
    ...deps,
    bestTime: {
      models: { promoted: async () => ({ model, loaded: false }) },
      draw: betaDraw(seededRandom(1)),
    },
  });
  const explain = async (id: string) => {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${DUE_SQL}`, [
      id,
      at,
      scanLimit(1000),
    ]);
    return readPlan((rows[0] as { 'QUERY PLAN': Record<string, unknown>[] })['QUERY PLAN'][0] ?? {});
  };
  const tick = async (id: string, run = scheduler) => {
    await db.query(
      // The measured campaign alone runs (the run's other campaigns wait, paused).
      `UPDATE campaigns SET status = CASE WHEN id = $1 THEN 'running' ELSE 'paused' END
       WHERE status IN ('running', 'paused')`,
      [id],
    );
    for (const key of Object.keys(statementMs)) delete statementMs[key];
    const start = performance.now();
    const result = (await run.tick()).find((campaign) => campaign.campaignId === id);
    const ms = performance.now() - start;
    return {
      tickMs: Number(ms.toFixed(1)),
      released: result?.released ?? 0,
      outsideHours: result?.outsideHours ?? 0,
      statementMs: { ...statementMs },
    };
  };

  const out: Record<string, unknown> = {};
  for (const [name, size] of [
    ['small', sizes.small],
    ['large', sizes.large],
  ] as const) {
    const id = `bench-${name}`;
    const seedStart = performance.now();
    await seed(db, id, size, at);
    const seedMs = performance.now() - seedStart;
    // Fresh rows, never analysed.
    const freshPlan = await explain(id);
    const fresh = await tick(id);
    await db.query('ANALYZE contacts; ANALYZE call_attempts');
    const analysedPlan = await explain(id);
    const analysed = await tick(id);
    out[name] = {
      contacts: size,
      seedS: Number((seedMs / 1000).toFixed(1)),
      fresh: { ...fresh, dueQuery: freshPlan },
      analysed: { ...analysed, dueQuery: analysedPlan },
    };
  }
  // A large campaign loaded into the analysed table, then started: the start's refresh of the statistics (what
  // campaignService.start runs for 10,000 contacts or more), then its first tick.
  await seed(db, 'bench-started', sizes.large, at);
  const analyseStart = performance.now();
  await createCampaignRepository(openDatabase()).analyseContacts();
  const analyseMs = Number((performance.now() - analyseStart).toFixed(1));
  out.started = { contacts: sizes.large, analyseMs, ...(await tick('bench-started')) };
  const turns: Array<{ model: boolean; tickMs: number; released: number }> = [];
  for (let turn = 0; turn < 10; turn += 1) {
    const enabled = turn % 2 === 1;
    // Calls in flight never fill the budget here: each turn releases its thousand.
    await db.query(
      `UPDATE campaigns SET best_time = $2,
         pacing = '{"callsPerMinute": 1000, "maxConcurrentCalls": 1000000}' WHERE id = $1`,
      ['bench-large', { enabled, controlShare: 0.1, maxHoldHours: 8 }],
    );
    const result = await tick('bench-large', enabled ? withModel : scheduler);
    turns.push({ model: enabled, tickMs: result.tickMs, released: result.released });
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const modelMs = median(turns.filter((t) => t.model).map((t) => t.tickMs));
  const withoutMs = median(turns.filter((t) => !t.model).map((t) => t.tickMs));
  out.withModel = { turns, modelMs, withoutMs, ratio: Number((modelMs / withoutMs).toFixed(2)) };
  await db.query(`UPDATE campaigns SET status = 'paused' WHERE user_id = 'bench'`);
  const small = out.small as { analysed: { tickMs: number; dueQuery: Plan }; fresh: { tickMs: number } };
  const large = out.large as { analysed: { tickMs: number; dueQuery: Plan }; fresh: { tickMs: number } };
  return {
    ...out,
    tickRatio: Number((large.analysed.tickMs / small.analysed.tickMs).toFixed(2)),
    freshTickRatio: Number((large.fresh.tickMs / small.fresh.tickMs).toFixed(2)),
    rowsReadRatio: Number((large.analysed.dueQuery.rowsRead / small.analysed.dueQuery.rowsRead).toFixed(2)),
  };
}
