/**
 * Best time to call on the embedded stack: an owner's past calls counted by the database, a model trained and stored
 * in the S3 stand-in and promoted, and a tick of a campaign using it traced as ML inference (`ProcessMLInference` >
 * `LoadModel` / `RunInference` with `model_version`), on the documents the tracing backend sent.
 */

import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { apiEvent } from '../helpers/apiGateway.ts';
import { childrenOf, rootOf, traceOf } from '../helpers/lambda.ts';
import { phoneNumberFor, startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());
const trainModels = (await import('../../src/functions/trainModels.ts')).handlerWithClock(harness.now);
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: process.env.AWS_ENDPOINT_URL_S3,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const bucket = process.env.MODEL_BUCKET ?? '';
const read = async (key: string) =>
  JSON.parse(
    (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString()) ??
      '',
  );

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** "2030-01-15 18:30 tue" in New York (Washington's numbers), read apart from the engine. */
function newYorkText(at: Date): { text: string; hour: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  const day = WEEKDAYS[new Date(`${parts.year}-${parts.month}-${parts.day}T12:00:00Z`).getUTCDay()];
  return {
    text: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${day}`,
    hour: Number(parts.hour),
  };
}

/**
 * 3,000 past calls of the owner, one every `minutes` (three weeks by default): evenings (18:00-20:59) answered 60%,
 * other hours 15%.
 */
async function seedHistory(userId: string, campaignId = 'c-history', minutes = 10) {
  const contacts = await harness.seedCampaign(campaignId, userId, 3_000, 0, 'completed');
  const now = harness.now().getTime();
  const rows = contacts.map((contact, i) => {
    const at = new Date(now - (i + 1) * minutes * 60_000 - 37_000);
    const { text, hour } = newYorkText(at);
    const evening = hour >= 18 && hour < 21;
    // A fixed spread of answers: every 5th call in the day, 3 of 5 in the evening.
    const answered = evening ? i % 5 < 3 : i % 20 < 3;
    const compliance = { localTimes: { 'America/New_York': text }, regions: ['US-DC'], countries: ['US'] };
    return [contact.id, at, answered ? 'answered' : 'no_answer', JSON.stringify(compliance)];
  });
  await harness.db.query(
    `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at, outcome, compliance)
     SELECT $5, r.id, 1, 'initiated', r.at, r.outcome, r.compliance
     FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::jsonb[]) AS r(id, at, outcome, compliance)`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3]), campaignId],
  );
}

describe('best time to call', () => {
  it('trains an owner’s model from its calls, stores it, promotes it, and a tick runs it as traced inference', async () => {
    // Prepare: the owner's history, and a running campaign using the model (18:30 in New York: an evening).
    await seedHistory('owner-bt');
    harness.setNow(new Date(harness.now().getTime() + 7.5 * 3_600_000));

    // Act: the daily training, then two ticks.
    const { result: trained } = await harness.quietly(() =>
      trainModels({} as never, { functionName: 'trainModels' } as never),
    );
    await harness.seedCampaign('c-bt', 'owner-bt', 20, 5_000);
    await harness.db.query(
      `UPDATE campaigns SET best_time = '{"enabled": true, "controlShare": 0.1}',
         pacing = '{"callsPerMinute": 10, "maxConcurrentCalls": 100}' WHERE id = 'c-bt'`,
    );
    const first = await harness.tick();
    const second = await harness.tick();

    // Assess: the model, as stored and promoted.
    const promoted = (
      trained as unknown as { summary: { promoted: Array<{ userId: string; version: string }> } }
    ).summary.promoted;
    expect(promoted).toEqual([{ userId: 'owner-bt', version: expect.any(String) }]);
    const version = promoted[0]?.version ?? '';
    const pointer = await read('models/owner-bt/promoted.json');
    expect(pointer).toMatchObject({ version, reason: expect.stringContaining('below the base rate') });
    const model = await read(`models/owner-bt/${version}.json`);
    expect(model.rows.trainingCalls + model.rows.heldOutCalls).toBe(3_000);
    expect(model.metrics.logLoss).toBeLessThan(model.metrics.baseLogLoss);
    expect(JSON.stringify(model)).not.toContain('+1202');

    // The first tick loads the model, the second uses the instance's copy; each runs it on the callable contacts.
    for (const [tick, loaded] of [
      [first, true],
      [second, false],
    ] as const) {
      const trace = await traceOf(harness.stack.xray, tick.traceId, 'scheduler');
      const ml = rootOf(trace, 'ProcessMLInference');
      const children = childrenOf(trace, ml);
      const load = children.find((doc) => doc.name === 'LoadModel');
      const run = children.find((doc) => doc.name === 'RunInference');
      expect(load?.annotations).toMatchObject({ model_version: version, model_loaded: loaded });
      expect(run?.annotations).toMatchObject({ model_version: version });
      expect(run?.metadata?.default?.inference).toMatchObject({
        scored: expect.any(Number),
        arms: expect.any(Object),
      });
      expect(JSON.stringify(trace)).not.toContain(phoneNumberFor(5_000).slice(2));
    }
    const firstTrace = await traceOf(harness.stack.xray, first.traceId, 'scheduler');
    const { scored, arms } = (childrenOf(firstTrace, rootOf(firstTrace, 'ProcessMLInference')).find(
      (doc) => doc.name === 'RunInference',
    )?.metadata?.default?.inference ?? {}) as { scored: number; arms: { model: number; control: number } };
    expect(arms.model + arms.control).toBe(20);
    expect(scored).toBe(arms.model);

    // The released calls come back (every model-arm call answered, no control call), and the owner reads the arms.
    await harness.db.query(
      `UPDATE call_attempts SET status = 'initiated', initiated_at = $2,
         outcome = CASE WHEN arm = 'model' THEN 'answered' ELSE 'no_answer' END
       WHERE campaign_id = $1`,
      ['c-bt', harness.now()],
    );
    const modelOf = (campaignId: string, userId: string) =>
      harness.http(
        'campaignModel',
        apiEvent({
          method: 'GET',
          resource: '/campaigns/{campaignId}/model',
          pathParameters: { campaignId },
          userId,
        }),
      );
    const answer = await modelOf('c-bt', 'owner-bt');
    const stranger = await modelOf('c-bt', 'someone');
    expect(stranger.statusCode).toBe(404);
    expect(answer.statusCode).toBe(200);
    const { rows } = await harness.db.query<{ arm: string; n: number }>(
      "SELECT arm, count(*)::int AS n FROM call_attempts WHERE campaign_id = 'c-bt' GROUP BY arm ORDER BY arm",
    );
    const released = Object.fromEntries(rows.map((row) => [row.arm, row.n]));
    expect(released.model).toBeGreaterThan(0);
    expect(answer.body).toMatchObject({
      campaignId: 'c-bt',
      bestTimeToCall: { enabled: true, controlShare: 0.1 },
      model: { version, promotedBecause: expect.stringContaining('below the base rate'), rows: model.rows },
      arms: {
        model: { calls: released.model, answered: released.model, contactRate: 1 },
        control: { calls: released.control ?? 0, answered: 0 },
      },
    });
  });

  it('trains the caller’s model on demand: a new owner’s latest calls held out, the model kept learned from all', async () => {
    // Prepare: an owner with two days of calls (a week held out would leave nothing to learn from), and one with none.
    await seedHistory('owner-new', 'c-new', 1);
    const train = (userId?: string) =>
      harness.http(
        'trainModel',
        apiEvent({ method: 'POST', resource: '/model/train', ...(userId ? { userId } : {}) }),
      );

    // Act
    const trained = await train('owner-new');
    const none = await train('owner-without-calls');
    const anonymous = await train();

    // Assess: judged on its latest fifth (about 600 of 3,000 calls), promoted, and stored having learned from all.
    expect(trained.statusCode).toBe(200);
    const body = trained.body as { rows: { trainingCalls: number; heldOutCalls: number } };
    expect(body).toMatchObject({ version: expect.any(String), promoted: true });
    expect(body.rows.trainingCalls + body.rows.heldOutCalls).toBe(3_000);
    expect(Math.abs(body.rows.heldOutCalls - 600)).toBeLessThanOrEqual(2);
    const version = (trained.body as { version: string }).version;
    const stored = await read(`models/owner-new/${version}.json`);
    const calls = (stored.hours as Array<{ calls: number }>).reduce((sum, h) => sum + h.calls, 0);
    expect(calls).toBeCloseTo(3_000, 6);
    expect(await read('models/owner-new/promoted.json')).toMatchObject({ version });
    expect(none.statusCode).toBe(200);
    expect(none.body).toMatchObject({ promoted: false, reason: expect.stringContaining('no calls') });
    expect(anonymous.statusCode).toBe(401);
  });
});
