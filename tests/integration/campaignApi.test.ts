/**
 * The HTTP functions with API Gateway REST proxy events (payload 1.0, authorizer context) on the embedded stack;
 * traces asserted on the documents the X-Ray SDK sent.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { XrayDocument } from '../../local/xrayReceiver.ts';
import { apiEvent } from '../helpers/apiGateway.ts';
import { byName, childrenOf, rootOf, traceOf } from '../helpers/lambda.ts';
import { PHONE_HASH_KEY, startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
const { phoneHash } = await import('../../src/lib/phone.ts');
afterAll(() => harness.stop());

const start = (
  campaignId: string,
  userId: string | undefined,
  body: unknown = {},
  headers?: Record<string, string>,
) =>
  harness.http(
    'startCampaign',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/start',
      pathParameters: { campaignId },
      userId,
      body,
      headers,
    }),
  );
const status = (campaignId: string, userId: string | undefined) =>
  harness.http(
    'campaignStatus',
    apiEvent({ method: 'GET', resource: '/campaigns/{campaignId}', pathParameters: { campaignId }, userId }),
  );

const traceIn = (traceId: string, root: string, count = 1) =>
  traceOf(harness.stack.xray, traceId, root, count);

async function rowsOf(campaignId: string) {
  const { rows } = await harness.db.query(
    `SELECT (SELECT status FROM campaigns WHERE id = $1) AS status,
            (SELECT contact_count FROM campaigns WHERE id = $1) AS counted,
            (SELECT count(*)::int FROM call_attempts WHERE campaign_id = $1) AS attempts`,
    [campaignId],
  );
  return rows[0];
}

describe('POST /campaigns/{campaignId}/start', () => {
  it('starts a draft campaign of the caller: 202 at once, its status only (the scheduler releases), traced', async () => {
    // Prepare
    await harness.seedCampaign('c-start', 'user-1', 1_200, 0, 'draft');

    // Act
    const response = await start('c-start', 'user-1');

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.headers?.['Content-Type']).toBe('application/json');
    expect(response.body).toEqual({
      campaignId: 'c-start',
      status: 'running',
      contacts: 1_200,
    });
    expect(await rowsOf('c-start')).toEqual({ status: 'running', counted: 1_200, attempts: 0 });
    const trace = await traceIn(response.traceId, 'startCampaign');
    const root = rootOf(trace, 'startCampaign');
    expect(root.annotations).toMatchObject({ campaignId: 'c-start', userId: 'user-1', environment: 'test' });
    expect(childrenOf(trace, root).map((doc) => doc.name)).toEqual(['LoadCampaign', 'ChangeStatus']);
    const change = byName(trace, 'ChangeStatus')[0] as XrayDocument;
    expect(change.metadata?.default).toMatchObject({ transition: 'draft->running' });
    // One statement, nothing sent: the scheduler's next tick releases the contacts.
    expect(childrenOf(trace, change).map((doc) => (doc.sql ? 'SQL' : doc.name))).toEqual(['SQL']);
  });

  it('answers a repeated start with the current state and changes nothing', async () => {
    // Prepare
    await harness.seedCampaign('c-again', 'user-1', 10, 0, 'draft');
    const first = await start('c-again', 'user-1');
    const before = await harness.db.query(
      `SELECT started_at, updated_at FROM campaigns WHERE id = 'c-again'`,
    );

    // Act
    const second = await start('c-again', 'user-1');

    // Assess
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.body).toEqual(first.body);
    const after = await harness.db.query(`SELECT started_at, updated_at FROM campaigns WHERE id = 'c-again'`);
    expect(after.rows).toEqual(before.rows);
    const trace = await traceIn(second.traceId, 'startCampaign');
    expect(byName(trace, 'ChangeStatus')[0]?.metadata?.default).toMatchObject({ transition: 'none' });
  });

  it('lets exactly one of two concurrent starts move the campaign, and answers both with it', async () => {
    // Prepare
    await harness.seedCampaign('c-race', 'user-1', 30, 0, 'draft');

    // Act
    const [a, b] = await Promise.all([start('c-race', 'user-1'), start('c-race', 'user-1')]);

    // Assess
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.body).toEqual(b.body);
    expect(await rowsOf('c-race')).toEqual({ status: 'running', counted: 30, attempts: 0 });
  });

  it('answers 404 for an unknown campaign and for another user\u2019s campaign, alike', async () => {
    // Prepare
    await harness.seedCampaign('c-private', 'user-2', 5, 0, 'draft');

    // Act
    const unknown = await start('c-nothing', 'user-1');
    const foreign = await start('c-private', 'user-1');

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).toEqual(unknown.body);
    expect(foreign.body).toEqual({ message: 'Campaign not found' });
    expect(await rowsOf('c-private')).toEqual({ status: 'draft', counted: null, attempts: 0 });
    const trace = await traceIn(foreign.traceId, 'startCampaign');
    const root = rootOf(trace, 'startCampaign');
    expect(root.error).toBe(true);
    expect(root.fault).toBeUndefined();
  });

  it.each(['completed', 'cancelled', 'paused'])(
    'answers 409 for a %s campaign and changes nothing',
    async (state) => {
      // Prepare
      await harness.seedCampaign(`c-${state}`, 'user-1', 5, 0, state);

      // Act
      const response = await start(`c-${state}`, 'user-1');

      // Assess
      expect(response.statusCode).toBe(409);
      expect(response.body).toEqual({ message: `Campaign is ${state} and cannot be started` });
      expect(await rowsOf(`c-${state}`)).toEqual({ status: state, counted: null, attempts: 0 });
    },
  );

  it('answers a dry run with what a start would do, and starts nothing', async () => {
    // Prepare
    await harness.seedCampaign('c-dry', 'user-1', 1_001, 0, 'draft');

    // Act
    const response = await start('c-dry', 'user-1', { dryRun: true });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({
      campaignId: 'c-dry',
      status: 'draft',
      contacts: 1_001,
      dryRun: true,
    });
    expect(await rowsOf('c-dry')).toEqual({ status: 'draft', counted: null, attempts: 0 });
  });

  it('reads a request with no body as {}, with or without a JSON content type', async () => {
    // Prepare
    await harness.seedCampaign('c-nobody', 'user-1', 2, 0, 'draft');

    const bodiless = (headers?: Record<string, string>) =>
      harness.http(
        'startCampaign',
        apiEvent({
          method: 'POST',
          resource: '/campaigns/{campaignId}/start',
          pathParameters: { campaignId: 'c-nobody' },
          userId: 'user-1',
          ...(headers ? { headers } : {}),
        }),
      );

    // Act: as clients send it, a JSON content type on a request with no body
    const typed = await bodiless({ 'Content-Type': 'application/json; charset=utf-8' });
    const bare = await bodiless();

    // Assess
    expect([typed.statusCode, bare.statusCode]).toEqual([202, 202]);
    expect(typed.body).toMatchObject({ campaignId: 'c-nobody', status: 'running', contacts: 2 });
  });

  describe('refuses bad input with a JSON error, no internals, and writes nothing', () => {
    it.each([
      ['malformed JSON', '{"dryRun": ', undefined, 400, { message: 'The request body is not valid JSON' }],
      [
        'a body that is not JSON',
        'dryRun=true',
        { 'Content-Type': 'text/plain' },
        415,
        { message: 'Content-Type must be application/json' },
      ],
      [
        'a wrong type',
        { dryRun: 'yes' },
        undefined,
        400,
        { message: 'The request is not valid', details: ['body.dryRun must be boolean'] },
      ],
      [
        'an unknown field',
        { dryRun: false, priority: 1 },
        undefined,
        400,
        { message: 'The request is not valid', details: ['unknown field priority'] },
      ],
      [
        'a body that is not an object',
        [1, 2],
        undefined,
        400,
        { message: 'The request is not valid', details: ['body must be object'] },
      ],
      [
        'an oversized field',
        { dryRun: false, note: 'x'.repeat(100_000) },
        undefined,
        400,
        { message: 'The request is not valid', details: ['unknown field note'] },
      ],
    ])('%s', async (_, body, headers, code, answer) => {
      // Prepare
      await harness.seedCampaign(`c-bad-${code}-${String(_).length}`, 'user-1', 3, 0, 'draft');

      // Act
      const response = await start(`c-bad-${code}-${String(_).length}`, 'user-1', body, headers);

      // Assess
      expect(response.statusCode).toBe(code);
      expect(response.headers?.['Content-Type']).toBe('application/json');
      expect(response.body).toEqual(answer);
      expect(await rowsOf(`c-bad-${code}-${String(_).length}`)).toEqual({
        status: 'draft',
        counted: null,
        attempts: 0,
      });
    });

    it('a campaign id that cannot exist', async () => {
      const response = await start('no such id!', 'user-1');
      expect(response.statusCode).toBe(400);
      expect(response.body.details).toEqual([
        'pathParameters.campaignId must match pattern "^[A-Za-z0-9_-]{1,64}$"',
      ]);
    });

    it('a request with no verified identity: 401', async () => {
      // Prepare
      await harness.seedCampaign('c-anon', 'user-1', 3, 0, 'draft');

      // Act
      const response = await start('c-anon', undefined);

      // Assess
      expect(response.statusCode).toBe(401);
      expect(response.body).toEqual({ message: 'Authentication required' });
      expect(await rowsOf('c-anon')).toEqual({ status: 'draft', counted: null, attempts: 0 });
    });

    it('an identity in a header or the body is not an identity', async () => {
      // Prepare
      await harness.seedCampaign('c-spoof', 'user-1', 3, 0, 'draft');

      // Act
      const response = await start('c-spoof', undefined, { userId: 'user-1' }, { 'X-User-Id': 'user-1' });

      // Assess
      expect(response.statusCode).toBe(400);
      const anonymous = await start('c-spoof', undefined, {}, { 'X-User-Id': 'user-1' });
      expect(anonymous.statusCode).toBe(401);
      expect(await rowsOf('c-spoof')).toEqual({ status: 'draft', counted: null, attempts: 0 });
    });
  });

  it('answers 503 with no internals when the database fails', async () => {
    // Prepare
    await harness.seedCampaign('c-down', 'user-1', 3, 0, 'draft');

    // Act: the campaign table is renamed away for the duration of the request.
    await harness.db.query('ALTER TABLE campaigns RENAME TO campaigns_away');
    let response: Awaited<ReturnType<typeof start>>;
    try {
      response = await start('c-down', 'user-1');
    } finally {
      await harness.db.query('ALTER TABLE campaigns_away RENAME TO campaigns');
    }

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body).toEqual({ message: 'Service temporarily unavailable; try again later' });
    expect(JSON.stringify(response.body)).not.toMatch(/campaigns|relation|postgres/i);
    const trace = await traceIn(response.traceId, 'startCampaign');
    expect(byName(trace, 'startCampaign')[0]?.fault).toBe(true);
  });
});

describe('GET /campaigns/{campaignId}', () => {
  it('answers the caller\u2019s campaign with its counts by attempt status, and 404 for another user', async () => {
    // Prepare
    await harness.seedCampaign('c-status', 'user-1', 4, 0, 'running');
    await harness.db.query(
      `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, outcome) VALUES
       ('c-status', 'contact-0', 1, 'initiated', 'answered'), ('c-status', 'contact-1', 1, 'initiated', 'busy'),
       ('c-status', 'contact-1', 2, 'initiated', NULL),
       ('c-status', 'contact-2', 1, 'skipped_blacklisted', NULL), ('c-status', 'contact-3', 1, 'queued', NULL)`,
    );
    await harness.db.query(
      `UPDATE contacts SET final_outcome = 'answered' WHERE campaign_id = 'c-status' AND id = 'contact-0'`,
    );
    await harness.db.query(
      `UPDATE contacts SET next_call_at = now() + interval '1 hour' WHERE campaign_id = 'c-status' AND id = 'contact-3'`,
    );

    // Act
    const mine = await status('c-status', 'user-1');
    const theirs = await status('c-status', 'user-2');

    // Assess
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toEqual({
      campaignId: 'c-status',
      status: 'running',
      contacts: 4,
      counts: { initiated: 3, queued: 1, skipped_blacklisted: 1 },
      // Calls by what the telephony reported; contacts done and due later; a call ringing without a result yet
      outcomes: { answered: 1, busy: 1 },
      contactsDone: { answered: 1 },
      contactsDueLater: 1,
      callsInFlight: 1,
      // The schedule: 3 contacts open, the next tick releases, at 60 calls a minute they all go in one more minute
      contactsOpen: 3,
      nextReleaseAt: expect.stringMatching(/:00\.000Z$/),
      estimatedFinishAt: expect.stringMatching(/:00\.000Z$/),
      lastTick: null,
      nextDueAt: expect.any(String),
      // Contacts due, no tick yet: waiting for it, or outside their hours (New York's) at the hour the test runs
      dialling: expect.objectContaining({
        dialling: false,
        reason: expect.stringMatching(/^(scheduler_idle|outside_hours)$/),
      }),
      // Made by SQL, not the API: the default settings, no caller id or call flow yet
      settings: expect.objectContaining({
        name: 'c-status',
        defaultTimeZone: 'America/New_York',
        callerId: '',
      }),
    });
    const { nextReleaseAt, estimatedFinishAt } = mine.body as Record<string, string>;
    expect(Date.parse(estimatedFinishAt ?? '') - Date.parse(nextReleaseAt ?? '')).toBe(60_000);
    expect(theirs.statusCode).toBe(404);
  });
});

describe('do-not-call list API', () => {
  const WRITER = 'dnc:write';
  const ADMIN = 'dnc:write dnc:admin';
  const routes = {
    add: ['blacklistAdd', '/blacklist'],
    lookup: ['blacklistCheck', '/blacklist/lookup'],
    remove: ['blacklistRemove', '/blacklist/remove'],
  } as const;
  const call = (route: keyof typeof routes, body: unknown, scopes = '', userId = 'user-1') =>
    harness.http(
      routes[route][0],
      apiEvent({ method: 'POST', resource: routes[route][1], userId, scopes, body }),
    );

  it('adds, looks up and removes a number given in any usual form, keeping who, when and why in its history', async () => {
    // Act
    const added = await call(
      'add',
      { phoneNumber: '(202) 555-0199', reason: 'asked not to be called' },
      WRITER,
    );
    const again = await call('add', { phoneNumber: '+1 202 555 0199' }, ADMIN, 'user-2');
    const seen = await call('lookup', { phoneNumber: '+12025550199' });
    const removed = await call(
      'remove',
      { phoneNumber: '+12025550199', reason: 'listed by mistake' },
      ADMIN,
      'admin-1',
    );
    const gone = await call('lookup', { phoneNumber: '+12025550199' }, ADMIN);
    const removedAgain = await call(
      'remove',
      { phoneNumber: '+12025550199', reason: 'again' },
      ADMIN,
      'admin-1',
    );

    // Assess: a writer sees whether and since when; the number already listed keeps its entry
    expect(added.statusCode).toBe(201);
    expect(added.body).toEqual({ phoneNumber: '+12025550199', listed: true, addedAt: expect.any(String) });
    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({
      addedBy: 'user-1',
      reason: 'asked not to be called',
      addedAt: added.body.addedAt,
    });
    expect(seen).toMatchObject({ statusCode: 200, body: { phoneNumber: '+12025550199', listed: true } });
    expect(seen.body.addedBy).toBeUndefined();
    expect(removed.statusCode).toBe(200);
    expect(gone.body).toEqual({
      phoneNumber: '+12025550199',
      listed: false,
      history: [
        {
          action: 'add',
          at: added.body.addedAt,
          by: 'user-1',
          reason: 'asked not to be called',
          phoneHash: phoneHash('+12025550199', PHONE_HASH_KEY),
        },
        {
          action: 'remove',
          at: expect.any(String),
          by: 'admin-1',
          reason: 'listed by mistake',
          phoneHash: phoneHash('+12025550199', PHONE_HASH_KEY),
        },
      ],
    });
    expect(removedAgain.statusCode).toBe(404);
    expect(removedAgain.body).toEqual({ message: 'Number is not on the blacklist' });

    // Assess: traces carry the number's hash, never the number
    const trace = await traceIn(added.traceId, 'blacklistAdd');
    expect(byName(trace, 'blacklistAdd')[0]?.annotations?.phoneHash).toBe(
      phoneHash('+12025550199', PHONE_HASH_KEY),
    );
    for (const text of [JSON.stringify(trace), ...added.output, ...removed.output]) {
      expect(text).not.toContain('2025550199');
    }
    // A number already listed is a normal answer: no document of its trace is a fault or an error
    const repeated = await traceIn(again.traceId, 'blacklistAdd');
    expect(byName(repeated, 'DynamoDB').length).toBeGreaterThan(0);
    expect(repeated.filter((doc) => doc.fault === true || doc.error === true)).toEqual([]);
  });

  it('lists a removed number again, its history growing and never rewritten', async () => {
    // Prepare
    await call('add', { phoneNumber: '+12025550166', reason: 'first' }, WRITER);
    await call('remove', { phoneNumber: '+12025550166', reason: 'by mistake' }, ADMIN);

    // Act
    const relisted = await call(
      'add',
      { phoneNumber: '+12025550166', reason: 'asked again' },
      WRITER,
      'user-3',
    );
    const seen = await call('lookup', { phoneNumber: '+12025550166' }, ADMIN);

    // Assess
    expect(relisted.statusCode).toBe(201);
    expect(seen.body).toMatchObject({ listed: true, addedBy: 'user-3', reason: 'asked again' });
    expect(
      (seen.body.history as Array<{ action: string; reason: string }>).map((e) => [e.action, e.reason]),
    ).toEqual([
      ['add', 'first'],
      ['remove', 'by mistake'],
      ['add', 'asked again'],
    ]);
  });

  it.each([
    [
      'add',
      { phoneNumber: '+12025550155' },
      '',
      'Adding a number to the do-not-call list needs a token with the scope dnc:write or dnc:admin',
    ],
    [
      'remove',
      { phoneNumber: '+12025550155', reason: 'x' },
      WRITER,
      'Taking a number off the do-not-call list needs a token with the scope dnc:admin',
    ],
  ] as const)(
    'refuses %s without the scope it needs, with 403, and changes nothing',
    async (route, body, scopes, message) => {
      // Prepare
      if (route === 'remove') await call('add', { phoneNumber: '+12025550155' }, WRITER);

      // Act
      const refused = await call(route, body, scopes);

      // Assess
      expect(refused).toMatchObject({ statusCode: 403, body: { message } });
      expect((await call('lookup', { phoneNumber: '+12025550155' })).body.listed).toBe(route === 'remove');
    },
  );

  it('answers a number never listed with listed: false, a normal answer', async () => {
    const seen = await call('lookup', { phoneNumber: '+12025550144' });
    expect(seen).toMatchObject({ statusCode: 200, body: { phoneNumber: '+12025550144', listed: false } });
  });

  it('refuses a removal without a reason, and an oversized reason, with a 400 that names the field', async () => {
    const noReason = await call('remove', { phoneNumber: '+12025550177' }, ADMIN);
    const oversized = await call('add', { phoneNumber: '+12025550177', reason: 'x'.repeat(300_000) }, WRITER);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toEqual({ message: 'The request is not valid', details: ['missing field reason'] });
    expect(oversized.statusCode).toBe(400);
    expect(oversized.body).toEqual({
      message: 'The request is not valid',
      details: ['body.reason must NOT have more than 200 characters'],
    });
    expect((await call('lookup', { phoneNumber: '+12025550177' })).body.listed).toBe(false);
  });

  it('refuses an invalid number with a 400 that says so, without echoing it', async () => {
    const response = await call('add', { phoneNumber: '12345' }, WRITER);
    expect(response.statusCode).toBe(400);
    expect(response.body).toEqual({ message: 'phoneNumber is not a valid phone number' });
  });
});
