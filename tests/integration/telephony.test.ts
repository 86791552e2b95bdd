/**
 * The telephony contract on the embedded stack (docs/telephony.md): the call message the workers get, and results
 * put on the call-results queue and delivered to resultWorker, the attempt and the contact's next step read back
 * from PostgreSQL, an opt-out read back from the do-not-call list.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { countStatements } from '../../bench/counting.ts';
import validateCall from '../../src/generated/asteriskCall.validate.cjs';
import { apiEvent } from '../helpers/apiGateway.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

const ENDED = '2026-12-02T15:00:00.000Z';

/** A campaign (3 attempts, the default delays) whose contacts each have attempt `attempt` ringing. */
async function ringing(campaignId: string, count: number, attempt = 1, status = 'running') {
  const contacts = await harness.seedCampaign(campaignId, 'owner-r', count, 3000 + count * 10, status);
  await harness.db.query(
    `INSERT INTO call_attempts (campaign_id, contact_id, attempt, status, initiated_at)
     SELECT $1, id, $2, 'initiated', $3 FROM contacts WHERE campaign_id = $1`,
    [campaignId, attempt, harness.now()],
  );
  return contacts;
}

async function contactState(campaignId: string, contactId: string) {
  const { rows } = await harness.db.query(
    `SELECT c.next_call_at, c.final_outcome, a.outcome, a.opt_out, a.result
     FROM contacts c JOIN call_attempts a ON a.campaign_id = c.campaign_id AND a.contact_id = c.id
     WHERE c.campaign_id = $1 AND c.id = $2 ORDER BY a.attempt DESC LIMIT 1`,
    [campaignId, contactId],
  );
  return rows[0];
}

const result = (campaignId: string, contactId: string, attempt: number, outcome: string, extra = {}) => ({
  dialId: `${campaignId}:${contactId}:${attempt}`,
  outcome,
  endedAt: ENDED,
  ...extra,
});

/** The do-not-call list's entry of a number, as an auditor reads it. */
const lookUp = (phoneNumber: string | undefined) =>
  harness.http(
    'blacklistCheck',
    apiEvent({
      method: 'POST',
      resource: '/blacklist/lookup',
      userId: 'auditor',
      scopes: 'dnc:admin',
      body: { phoneNumber },
    }),
  );

/** A campaign made through the API with one contact, started, fanned out and dialled; answers its id. */
async function dialledThroughApi(
  userId: string,
  name: string,
  contact: Record<string, unknown>,
): Promise<string> {
  const created = await harness.http(
    'createCampaign',
    apiEvent({
      method: 'POST',
      resource: '/campaigns',
      userId,
      body: { name, callerId: '+1 202 555 0100', callFlow: 'flows/reminder-v2' },
    }),
  );
  const campaignId = String(created.body.campaignId);
  const pathParameters = { campaignId };
  await harness.http(
    'addContacts',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/contacts',
      pathParameters,
      userId,
      body: { contacts: [contact] },
    }),
  );
  await harness.http(
    'startCampaign',
    apiEvent({ method: 'POST', resource: '/campaigns/{campaignId}/start', pathParameters, userId, body: {} }),
  );
  await harness.tick();
  await harness.drain('dialTasks');
  return campaignId;
}

describe('call messages', () => {
  it('carry the campaign’s caller id and call flow, the contact’s attributes and a deadline, as the schema says', async () => {
    // Prepare and act: a campaign and a contact through the API, started and dialled
    const campaignId = await dialledThroughApi('owner-t', 'Contract', {
      id: 't-1',
      phoneNumber: '(202) 555-0177',
      attributes: { firstName: 'Ada' },
    });

    // Assert
    const [call] = (await harness.callMessages()).filter((message) => message.campaignId === campaignId);
    expect(validateCall(call)).toBe(true);
    expect(call).toMatchObject({
      dialId: `${campaignId}:t-1:1`,
      phoneNumber: '+12025550177',
      callerId: '+12025550100',
      callFlow: 'flows/reminder-v2',
      attributes: { firstName: 'Ada' },
    });
    expect(Date.parse(String(call?.deadline)) - Date.parse(String(call?.requestedAt))).toBe(300_000);
  });
});

describe('call results', () => {
  it('records each outcome once and plans the next step: a retry after the delay for the outcome, or done', async () => {
    // Prepare
    await ringing('r-steps', 5);

    // Act
    const delivered = await harness.deliverResults([
      result('r-steps', 'contact-0', 1, 'busy', { hangupCause: '17', startedAt: '2026-12-02T14:59:30.000Z' }),
      result('r-steps', 'contact-1', 1, 'no_answer'),
      result('r-steps', 'contact-2', 1, 'answered', { durationSeconds: 42 }),
      result('r-steps', 'contact-3', 1, 'invalid_number'),
      result('r-steps', 'contact-4', 1, 'machine'),
    ]);

    // Assert: busy 15, no answer 60, machine 240 minutes (the campaign's default delays)
    expect(delivered.failures).toBe(0);
    const minutesAfter = (minutes: number) => new Date(Date.parse(ENDED) + minutes * 60_000);
    expect(await contactState('r-steps', 'contact-0')).toMatchObject({
      outcome: 'busy',
      next_call_at: minutesAfter(15),
      final_outcome: null,
      result: { hangupCause: '17', startedAt: '2026-12-02T14:59:30.000Z', endedAt: ENDED },
    });
    expect(await contactState('r-steps', 'contact-1')).toMatchObject({ next_call_at: minutesAfter(60) });
    expect(await contactState('r-steps', 'contact-2')).toMatchObject({
      final_outcome: 'answered',
      next_call_at: null,
      result: { durationSeconds: 42 },
    });
    expect(await contactState('r-steps', 'contact-3')).toMatchObject({ final_outcome: 'invalid_number' });
    expect(await contactState('r-steps', 'contact-4')).toMatchObject({ next_call_at: minutesAfter(240) });
  });

  it('reads a contact’s attempts back, with their results and compliance records, for its owner only', async () => {
    // Prepare: a campaign made through the API, its one contact dialled and its call answered
    const campaignId = await dialledThroughApi('owner-h', 'History', {
      id: 'h-1',
      phoneNumber: '(312) 555-0178',
    });
    const path = { campaignId, contactId: 'h-1' };
    await harness.deliverResults([{ dialId: `${campaignId}:h-1:1`, outcome: 'answered', endedAt: ENDED }]);
    const read = (userId: string, contactId = 'h-1') =>
      harness.http(
        'listAttempts',
        apiEvent({
          method: 'GET',
          resource: '/campaigns/{campaignId}/contacts/{contactId}/attempts',
          pathParameters: { ...path, contactId },
          userId,
        }),
      );

    // Act
    const mine = await read('owner-h');
    const theirs = await read('someone-else');
    const none = await read('owner-h', 'no-such-contact');

    // Assert
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toMatchObject({
      contactId: 'h-1',
      attempts: [
        {
          attempt: 1,
          status: 'initiated',
          outcome: 'answered',
          optOut: false,
          result: { endedAt: ENDED },
          compliance: {
            rulesVersion: '2026-12-05',
            attempt: 1,
            maxAttempts: 3,
            optedOutInOwnersCampaigns: false,
            doNotCall: { listed: false },
          },
        },
      ],
    });
    expect(JSON.stringify(mine.body)).not.toContain('5550178');
    expect([theirs.statusCode, none.statusCode]).toEqual([404, 404]);
    expect(none.body.message).toBe('Contact not found');
  });

  it('ends a contact at its last attempt, and keeps the first of two deliveries of one result', async () => {
    await ringing('r-last', 1, 3);
    const first = result('r-last', 'contact-0', 3, 'no_answer');
    const { output } = await harness.deliverResults([first, { ...first, outcome: 'answered' }]);
    expect(await contactState('r-last', 'contact-0')).toMatchObject({
      outcome: 'no_answer',
      final_outcome: 'max_attempts',
      next_call_at: null,
    });
    expect(output.join('')).toMatch(/"duplicate":1/);
  });

  it('puts an opted-out number on the do-not-call list at once, with the campaign and call as its record', async () => {
    const [contact] = await ringing('r-optout', 1);
    await harness.deliverResults([result('r-optout', 'contact-0', 1, 'answered', { optOut: true })]);
    expect(await contactState('r-optout', 'contact-0')).toMatchObject({
      final_outcome: 'opted_out',
      opt_out: true,
    });
    const listed = await lookUp(contact?.phoneNumber);
    expect(listed.body).toMatchObject({
      listed: true,
      addedBy: 'campaign:r-optout',
      reason: 'opted out during call r-optout:contact-0:1',
    });
  });

  it('records a batch of ten results in two statements: each once, the opt-out listed first, the copies and an unknown call apart', async () => {
    // Prepare: nine ringing contacts, and a count of every statement this process sends from here.
    const contacts = await ringing('r-batch', 9);
    const statements = countStatements();
    const outcomes = [
      'answered',
      'busy',
      'no_answer',
      'machine',
      'failed',
      'invalid_number',
      'answered',
      'busy',
    ];
    const batch = [
      ...outcomes.map((outcome, i) => result('r-batch', `contact-${i}`, 1, outcome)),
      result('r-batch', 'contact-8', 1, 'answered', { optOut: true }),
      result('r-batch', 'contact-1', 1, 'answered'),
    ];
    const before = statements();

    // Act
    const { failures, output } = await harness.deliverResults([
      ...batch,
      result('r-batch', 'nobody', 1, 'busy'),
    ]);

    // Assess: the batch of ten in two statements (the attempts, the record), the lone unknown one in two (its
    // look-up, the record of it set aside).
    expect(failures).toBe(0);
    expect(statements() - before).toBe(4);
    const { rows } = await harness.db.query(
      `SELECT c.id, a.outcome, a.opt_out, c.final_outcome, c.next_call_at IS NOT NULL AS due_again
       FROM contacts c JOIN call_attempts a ON a.campaign_id = c.campaign_id AND a.contact_id = c.id
       WHERE c.campaign_id = 'r-batch' ORDER BY c.id`,
    );
    expect(rows.map((r) => [r.id, r.outcome, r.opt_out, r.final_outcome, r.due_again])).toEqual([
      ['contact-0', 'answered', false, 'answered', false],
      // The first result of contact-1 counts; the later copy in the same batch changes nothing.
      ['contact-1', 'busy', false, null, true],
      ['contact-2', 'no_answer', false, null, true],
      ['contact-3', 'machine', false, null, true],
      ['contact-4', 'failed', false, null, true],
      ['contact-5', 'invalid_number', false, 'invalid_number', false],
      ['contact-6', 'answered', false, 'answered', false],
      ['contact-7', 'busy', false, null, true],
      ['contact-8', 'answered', true, 'opted_out', false],
    ]);
    expect(output.join('')).toMatch(/"duplicate":1/);
    const listed = await lookUp(contacts[8]?.phoneNumber);
    expect(listed.body).toMatchObject({ listed: true, addedBy: 'campaign:r-batch' });
    const { rows: setAside } = await harness.db.query(
      "SELECT count(*)::int AS n FROM rejected_messages WHERE queue = 'call-results' AND body LIKE '%r-batch:nobody%'",
    );
    expect(setAside).toEqual([{ n: 1 }]);
  });

  it('records a late result of a cancelled campaign and plans nothing; sets aside a result for no attempt', async () => {
    await ringing('r-late', 1, 1, 'cancelled');
    const { output } = await harness.deliverResults([
      result('r-late', 'contact-0', 1, 'busy'),
      result('r-late', 'no-such-contact', 1, 'busy'),
    ]);
    // Nothing planned: the contact is as it was (the scheduler closes a cancelled campaign's contacts)
    expect(await contactState('r-late', 'contact-0')).toMatchObject({ outcome: 'busy', final_outcome: null });
    const { rows: planned } = await harness.db.query(
      `SELECT next_call_at = created_at AS unchanged FROM contacts WHERE campaign_id = 'r-late'`,
    );
    expect(planned).toEqual([{ unchanged: true }]);
    expect(output.join('')).toMatch(/"late":1/);
    const { rows } = await harness.db.query(
      "SELECT reason FROM rejected_messages WHERE queue = 'call-results' AND body LIKE '%no-such-contact%'",
    );
    expect(rows).toEqual([{ reason: 'No such call attempt' }]);
  });
});
