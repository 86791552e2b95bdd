/** Creating, listing, reading, changing and deleting campaigns through the API, on the embedded stack. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { apiEvent } from '../helpers/apiGateway.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

const minimal = { name: 'Spring reminders', callerId: '(202) 555-0100', callFlow: 'flows/reminder-v1' };
const create = (body: unknown, userId = 'owner-1', headers?: Record<string, string>) =>
  harness.http('createCampaign', apiEvent({ method: 'POST', resource: '/campaigns', userId, body, headers }));
const one = (method: 'GET' | 'PATCH' | 'DELETE', campaignId: string, userId = 'owner-1', body?: unknown) =>
  harness.http(
    method === 'GET' ? 'campaignStatus' : method === 'PATCH' ? 'updateCampaign' : 'deleteCampaign',
    apiEvent({ method, resource: '/campaigns/{campaignId}', pathParameters: { campaignId }, userId, body }),
  );
const list = (userId: string, query?: Record<string, string>) =>
  harness.http('listCampaigns', apiEvent({ method: 'GET', resource: '/campaigns', userId, query }));

describe('campaign definitions', () => {
  it('creates a draft with defaults for what was not given, and the caller id in E.164', async () => {
    // Act
    const created = await create(minimal);

    // Assess
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({
      status: 'draft',
      name: 'Spring reminders',
      callerId: '+12025550100',
      callFlow: 'flows/reminder-v1',
      defaultRegion: 'US',
      defaultTimeZone: 'America/New_York',
      callingWindow: { start: '09:00', end: '20:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
      maxAttempts: 3,
      retryDelays: { busy: 15, no_answer: 60, machine: 240, failed: 30 },
      pacing: { callsPerMinute: 60, maxConcurrentCalls: 10 },
    });
    const read = await one('GET', String(created.body.campaignId));
    expect(read.statusCode).toBe(200);
    expect(read.body).toMatchObject({ status: 'draft', contacts: 0, settings: { name: 'Spring reminders' } });
  });

  it('answers a retried create (same Idempotency-Key) with the campaign it made', async () => {
    // Act
    const first = await create(minimal, 'owner-2', { 'Idempotency-Key': 'create-42' });
    const again = await create({ ...minimal, name: 'changed' }, 'owner-2', {
      'Idempotency-Key': 'create-42',
    });

    // Assess
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect((await list('owner-2')).body.campaigns).toHaveLength(1);
  });

  it.each([
    [{ ...minimal, callerId: '12' }, ['callerId is not a valid phone number']],
    [{ ...minimal, defaultTimeZone: 'Mars/Olympus' }, ['defaultTimeZone is not an IANA time zone']],
    [
      { ...minimal, callingWindow: { start: '20:00', end: '09:00' } },
      ['callingWindow.end must be later than callingWindow.start'],
    ],
  ])('refuses settings that cannot hold, naming the field: %j', async (body, details) => {
    const refused = await create(body);
    expect(refused).toMatchObject({
      statusCode: 400,
      body: { message: 'The campaign settings are not valid', details },
    });
  });

  it.each([
    [{ name: 'x' }, 'missing field callerId'],
    [{ ...minimal, colour: 'red' }, 'unknown field colour'],
    [{ ...minimal, maxAttempts: 0 }, 'body.maxAttempts must be >= 1'],
    [{ ...minimal, pacing: { callsPerMinute: 'fast' } }, 'body.pacing.callsPerMinute must be integer'],
  ])('refuses a body off its schema with the field named: %j', async (body, detail) => {
    const refused = await create(body);
    expect(refused.statusCode).toBe(400);
    expect(refused.body.details).toContain(detail);
  });

  it('lists the caller’s campaigns newest first, a page at a time, and no one else’s', async () => {
    // Prepare
    const made: string[] = [];
    for (const n of [1, 2, 3])
      made.push(String((await create({ ...minimal, name: `c${n}` }, 'owner-3')).body.campaignId));
    await create(minimal, 'someone-else');

    // Act
    const first = await list('owner-3', { limit: '2' });
    const second = await list('owner-3', { limit: '2', cursor: String(first.body.next) });

    // Assess
    const ids = [
      ...(first.body.campaigns as Array<{ campaignId: string }>),
      ...(second.body.campaigns as Array<{ campaignId: string }>),
    ];
    expect(ids.map((c) => c.campaignId)).toEqual([...made].reverse());
    expect(second.body.next).toBeUndefined();
  });

  it('changes any setting of a draft, only window, pacing and end of a started campaign, nothing of an ended one', async () => {
    // Prepare
    const { campaignId } = (await create(minimal, 'owner-4')).body as { campaignId: string };

    // Act
    const renamed = await one('PATCH', campaignId, 'owner-4', {
      name: 'Renamed',
      pacing: { callsPerMinute: 5 },
    });
    await harness.db.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [campaignId]);
    const frozen = await one('PATCH', campaignId, 'owner-4', { name: 'Again' });
    const narrowed = await one('PATCH', campaignId, 'owner-4', {
      callingWindow: { start: '10:00', end: '18:00' },
    });
    const cancelled = await one('DELETE', campaignId, 'owner-4');
    const ended = await one('PATCH', campaignId, 'owner-4', { pacing: { callsPerMinute: 9 } });

    // Assess
    expect(renamed.body).toMatchObject({
      name: 'Renamed',
      pacing: { callsPerMinute: 5, maxConcurrentCalls: 10 },
    });
    expect(frozen).toMatchObject({
      statusCode: 409,
      body: {
        message: 'A running campaign can change only callingWindow, blockedDates, pacing and endAt, not name',
      },
    });
    expect(narrowed.body).toMatchObject({ callingWindow: { start: '10:00', end: '18:00' } });
    expect(cancelled).toMatchObject({ statusCode: 200, body: { campaignId, status: 'cancelled' } });
    expect(ended).toMatchObject({
      statusCode: 409,
      body: { message: 'A cancelled campaign cannot be changed' },
    });
  });

  it('deletes a draft, and answers 404 for another user’s campaign on every route', async () => {
    // Prepare
    const { campaignId } = (await create(minimal, 'owner-5')).body as { campaignId: string };

    // Act
    const others = [
      await one('GET', campaignId, 'intruder'),
      await one('PATCH', campaignId, 'intruder', { name: 'mine now' }),
      await one('DELETE', campaignId, 'intruder'),
    ];
    const deleted = await one('DELETE', campaignId, 'owner-5');
    const gone = await one('GET', campaignId, 'owner-5');

    // Assess
    expect(others.map((r) => [r.statusCode, r.body.message])).toEqual([
      [404, 'Campaign not found'],
      [404, 'Campaign not found'],
      [404, 'Campaign not found'],
    ]);
    expect([deleted.statusCode, gone.statusCode]).toEqual([204, 404]);
  });
});

describe('contacts', () => {
  const resource = '/campaigns/{campaignId}/contacts';
  const add = (campaignId: string, contacts: unknown[], userId = 'owner-6') =>
    harness.http(
      'addContacts',
      apiEvent({ method: 'POST', resource, pathParameters: { campaignId }, userId, body: { contacts } }),
    );
  const listOf = (campaignId: string, query?: Record<string, string>, userId = 'owner-6') =>
    harness.http(
      'listContacts',
      apiEvent({ method: 'GET', resource, pathParameters: { campaignId }, userId, query }),
    );

  it('adds contacts in any usual form, with their zones, refusing invalid rows and numbers already there', async () => {
    // Prepare
    const { campaignId } = (await create({ ...minimal, defaultTimeZone: 'America/Chicago' }, 'owner-6'))
      .body as {
      campaignId: string;
    };

    // Act
    const added = await add(campaignId, [
      { id: 'k-1', phoneNumber: '(202) 555-0101' },
      { id: 'k-2', phoneNumber: '+44 7911 123456', attributes: { firstName: 'Ada' } },
      { id: 'k-3', phoneNumber: '12' },
      { id: 'k-4', phoneNumber: '+1 202 555 0101' },
      { id: 'k-5', phoneNumber: '+1 800 555 0101' },
      { id: 'k-6', phoneNumber: '+33 6 12 34 56 78', timeZone: 'Europe/Paris' },
      {
        id: 'k-7',
        phoneNumber: '+12025550107',
        attributes: {
          note: 'x'.repeat(490),
          more: 'y'.repeat(490),
          also: 'z'.repeat(490),
          last: 'w'.repeat(490),
          end: 'v'.repeat(490),
        },
      },
    ]);
    const again = await add(campaignId, [{ id: 'k-8', phoneNumber: '202-555-0101' }]);
    const listed = await listOf(campaignId);

    // Assess
    expect(added).toMatchObject({
      statusCode: 200,
      body: {
        added: 4,
        refused: [
          { index: 2, reason: 'phoneNumber is not a valid phone number' },
          { index: 3, reason: 'an earlier row has this number or id' },
          { index: 6, reason: 'attributes are larger than 2048 bytes' },
        ],
      },
    });
    expect(again.body).toEqual({
      added: 0,
      refused: [{ index: 0, reason: 'the campaign already has this number or id' }],
    });
    expect(listed.body.contacts).toEqual([
      {
        id: 'k-1',
        phoneNumber: '+12025550101',
        zones: { 'America/New_York': ['area_code'] },
        attributes: {},
      },
      {
        id: 'k-2',
        phoneNumber: '+447911123456',
        zones: {
          'Europe/Guernsey': ['number'],
          'Europe/Isle_of_Man': ['number'],
          'Europe/London': ['number'],
        },
        attributes: { firstName: 'Ada' },
      },
      {
        id: 'k-5',
        phoneNumber: '+18005550101',
        // A toll-free number says nothing of where its owner is, and the campaign's zone is no evidence: none.
        zones: {},
        attributes: {},
      },
      {
        id: 'k-6',
        phoneNumber: '+33612345678',
        timeZone: 'Europe/Paris',
        zones: { 'Europe/Paris': ['number', 'given'] },
        attributes: {},
      },
    ]);
    expect(JSON.stringify([added.output, again.output])).not.toContain('5550101');
  });

  it('lists a page at a time, takes a contact out by id, and keeps other users and started campaigns out', async () => {
    // Prepare
    const { campaignId } = (await create(minimal, 'owner-6')).body as { campaignId: string };
    await add(
      campaignId,
      [1, 2, 3].map((n) => ({ id: `k-${n}`, phoneNumber: `+1202555010${n}` })),
    );
    const contact = (method: 'DELETE', contactId: string, userId = 'owner-6') =>
      harness.http(
        'deleteContact',
        apiEvent({
          method,
          resource: `${resource}/{contactId}`,
          pathParameters: { campaignId, contactId },
          userId,
        }),
      );

    // Act
    const first = await listOf(campaignId, { limit: '2' });
    const rest = await listOf(campaignId, { limit: '2', cursor: String(first.body.next) });
    const removed = await contact('DELETE', 'k-2');
    const missing = await contact('DELETE', 'k-2');
    const intruder = [
      await listOf(campaignId, {}, 'intruder'),
      await add(campaignId, [{ phoneNumber: '+12025550109' }], 'intruder'),
    ];
    await harness.db.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [campaignId]);
    const whileRunning = [
      await add(campaignId, [{ phoneNumber: '+12025550108' }]),
      await contact('DELETE', 'k-1'),
    ];

    // Assess
    const ids = (page: { body: Record<string, unknown> }) =>
      (page.body.contacts as Array<{ id: string }>).map((c) => c.id);
    expect([ids(first), ids(rest)]).toEqual([['k-1', 'k-2'], ['k-3']]);
    expect([removed.statusCode, missing.statusCode]).toEqual([204, 404]);
    expect(intruder.map((r) => r.statusCode)).toEqual([404, 404]);
    expect(whileRunning.map((r) => [r.statusCode, r.body.message])).toEqual([
      [409, 'Contacts can be added while the campaign is a draft only; it is running'],
      [409, 'Contacts can be taken out while the campaign is a draft only; it is running'],
    ]);
  });
});
