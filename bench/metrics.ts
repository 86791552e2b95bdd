/**
 * The metrics route's cost on a large campaign (GET /campaigns/{id}/metrics, docs/dashboard.md): a campaign of
 * 1,000,000 contacts and 1,500,000 attempts placed over a week (every outcome, opt-outs, skips for the do-not-call
 * list), written through the attempts' triggers as the dialer and the result worker write them, in chunks of a
 * sixth of a day. Then, in turns, the route's service on the real repository (the dashboard's default: the last 24
 * hours in 15-minute buckets; and the whole week in hours) against the baseline it replaces: the same 24 hours'
 * figures counted straight from the attempts. Medians and 95th percentiles of `rounds` each.
 * Last, what the triggers cost the writers: a statement recording 10 results, with the triggers and without them,
 * in turns.
 * Standalone: `npm run bench:metrics` (embedded stack; prints the figures as JSON).
 */
import type pg from 'pg';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(2));
};

/** The 24 hours' figures the route answers, counted from the attempts themselves (what the buckets replace). */
const DIRECT_SQL = `
SELECT date_bin('15 minutes', t.at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket, t.kind, count(*)
FROM (
  SELECT initiated_at AS at, 'dial' AS kind FROM call_attempts
  WHERE campaign_id = $1 AND initiated_at >= $2 AND initiated_at < $3
  UNION ALL
  SELECT result_at, outcome FROM call_attempts WHERE campaign_id = $1 AND result_at >= $2 AND result_at < $3
) t
GROUP BY 1, 2`;

export async function measureMetrics(
  db: pg.Pool,
  options: { contacts?: number; attempts?: number; rounds?: number } = {},
) {
  const contacts = options.contacts ?? 1_000_000;
  const attempts = options.attempts ?? 1_500_000;
  const rounds = options.rounds ?? 30;
  const { createMetricsRepository } = await import('../src/repositories/metricsRepository.ts');
  const { createCampaignMetrics } = await import('../src/services/campaignMetrics.ts');
  const { openDatabase } = await import('../src/lib/database.ts');
  const id = 'bench-metrics';
  const end = new Date('2030-02-08T00:00:00Z');
  const week = 7 * 86_400_000;

  const seedStart = performance.now();
  await db.query(
    `INSERT INTO campaigns (id, user_id, name, status, contact_count) VALUES ($1, 'bench', $1, 'running', $2)`,
    [id, contacts],
  );
  await db.query(
    `INSERT INTO contacts (campaign_id, id, phone_number)
     SELECT $1, 'c' || i, '+1202' || lpad(i::text, 7, '0') FROM generate_series(0, $2 - 1) AS i`,
    [id, contacts],
  );
  // Attempt k goes to contact k % contacts (its attempt number k / contacts + 1), placed at a time spread over the
  // week; its result a minute later. Outcomes in fixed shares; one in 200 a skip for the list, one in 150 an opt-out.
  const chunks = 42;
  const perChunk = Math.ceil(attempts / chunks);
  for (let chunk = 0; chunk < chunks; chunk += 1) {
    await db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at, outcome, opt_out, result_at,
         compliance, created_at, updated_at)
       SELECT $1, 'c' || (k % $2), k / $2 + 1, s.status,
         CASE WHEN s.status = 'initiated' THEN s.at END,
         CASE WHEN s.status = 'initiated' THEN (ARRAY['answered','machine','busy','no_answer','failed','invalid_number',
           'answered','no_answer'])[1 + k % 8] END,
         CASE WHEN s.status = 'initiated' THEN k % 150 = 0 END,
         CASE WHEN s.status = 'initiated' THEN s.at + interval '1 minute' END,
         jsonb_build_object('claimedAt', s.at), s.at, s.at
       FROM generate_series($3::bigint, least($4::bigint, $3::bigint + $5) - 1) AS k
       CROSS JOIN LATERAL (SELECT CASE WHEN k % 200 = 7 THEN 'skipped_blacklisted' ELSE 'initiated' END AS status,
         $6::timestamptz + make_interval(secs => (k::double precision / $4) * $7 / 1000) AS at) s`,
      [id, contacts, chunk * perChunk, attempts, perChunk, new Date(end.getTime() - week), week],
    );
  }
  await db.query('ANALYZE contacts, call_attempts, campaign_activity');
  const seedMs = Math.round(performance.now() - seedStart);
  const { rows: stored } = await db.query<{ buckets: number; dials: number }>(
    'SELECT count(*)::int AS buckets, sum(dialled)::int AS dials FROM campaign_activity WHERE campaign_id = $1',
    [id],
  );

  const service = createCampaignMetrics({ metrics: createMetricsRepository(openDatabase()), now: () => end });
  const owned = { campaignId: id, userId: 'bench' };
  const day = async () => service.metrics(owned, {});
  const wholeWeek = async () =>
    service.metrics(owned, { from: new Date(end.getTime() - week).toISOString(), bucket: '1h' });
  const direct = async () => db.query(DIRECT_SQL, [id, new Date(end.getTime() - 2 * 86_400_000), end]);
  const timings = { day: [] as number[], week: [] as number[], direct: [] as number[] };
  const time = async (into: number[], work: () => Promise<unknown>) => {
    const start = performance.now();
    await work();
    into.push(performance.now() - start);
  };
  // Warm: the pool's connection, the plans, the pages.
  await day();
  await wholeWeek();
  await direct();
  for (let round = 0; round < rounds; round += 1) {
    await time(timings.day, day);
    await time(timings.week, wholeWeek);
    await time(timings.direct, direct);
  }
  const answer = await day();

  // The triggers' cost to a writer: 10 results recorded in one statement, with and without them, in turns.
  const write = { withTriggers: [] as number[], withoutTriggers: [] as number[] };
  const batch = async (from: number) => {
    const ids = Array.from({ length: 10 }, (_, i) => `c${from + i}`);
    await db.query(
      `UPDATE call_attempts SET outcome = NULL, result_at = NULL WHERE campaign_id = $1 AND contact_id = ANY($2) AND attempt = 1`,
      [id, ids],
    );
    const start = performance.now();
    await db.query(
      `UPDATE call_attempts SET outcome = 'answered', result_at = $3, updated_at = $3
       WHERE campaign_id = $1 AND contact_id = ANY($2) AND attempt = 1 AND outcome IS NULL`,
      [id, ids, end],
    );
    return performance.now() - start;
  };
  for (let round = 0; round < 100; round += 1) {
    write.withTriggers.push(await batch(round * 20));
    await db.query('ALTER TABLE call_attempts DISABLE TRIGGER USER');
    try {
      write.withoutTriggers.push(await batch(round * 20 + 10));
    } finally {
      await db.query('ALTER TABLE call_attempts ENABLE TRIGGER USER');
    }
  }
  await db.query('DELETE FROM campaigns WHERE id = $1', [id]);

  const dayMedian = percentile(timings.day, 0.5);
  const directMedian = percentile(timings.direct, 0.5);
  const withMs = percentile(write.withTriggers, 0.5);
  const withoutMs = percentile(write.withoutTriggers, 0.5);
  return {
    contacts,
    attempts,
    seedMs,
    storedBuckets: stored[0]?.buckets ?? 0,
    storedDials: stored[0]?.dials ?? 0,
    dayDials: answer.period.dials,
    rounds,
    /** The route's service, last 24 hours in 15-minute buckets (the dashboard's view). */
    dayMs: { median: dayMedian, p95: percentile(timings.day, 0.95) },
    /** The whole week in hours. */
    weekMs: { median: percentile(timings.week, 0.5), p95: percentile(timings.week, 0.95) },
    /** The baseline: the 24 hours and the day before counted from the attempts. */
    directMs: { median: directMedian, p95: percentile(timings.direct, 0.95) },
    directOverRoute: Number((directMedian / dayMedian).toFixed(1)),
    /** A statement recording 10 results: median ms with the activity triggers, without, and the ratio. */
    resultsStatement: {
      withTriggersMs: withMs,
      withoutTriggersMs: withoutMs,
      ratio: Number((withMs / withoutMs).toFixed(2)),
    },
  };
}

if (import.meta.main) {
  const { runOnBenchStack } = await import('./benchStack.ts');
  const contacts = Number(process.argv[2]) || undefined;
  await runOnBenchStack(({ db }) =>
    measureMetrics(db, contacts ? { contacts, attempts: contacts * 1.5 } : {}),
  );
}
