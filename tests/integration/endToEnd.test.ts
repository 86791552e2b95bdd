/**
 * A campaign of 5,000 contacts (1% blacklisted) from the HTTP start to the Asterisk queue, every function driven as
 * Lambda drives it on the embedded stack.
 */
import { afterAll, expect, it } from '@jest/globals';
import { apiEvent } from '../helpers/apiGateway.ts';
import { byName, inTrace } from '../helpers/lambda.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const CONTACTS = 5_000;
const harness = await startSystemHarness();
afterAll(() => harness.stop());

it('calls every eligible contact exactly once, never a blacklisted one, and counts add up', async () => {
  // Prepare
  const contacts = await harness.seedCampaign('c-e2e', 'user-e2e', CONTACTS, 0, 'draft');
  const listed = contacts.filter((_, i) => i % 100 === 7).map((contact) => contact.phoneNumber);
  for (let i = 0; i < listed.length; i += 25) await harness.blacklist(listed.slice(i, i + 25));

  // Act
  const started = await harness.http(
    'startCampaign',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/start',
      pathParameters: { campaignId: 'c-e2e' },
      userId: 'user-e2e',
      body: {},
    }),
  );
  const fanout = await harness.drain('fanout', 1);
  const dialing = await harness.drain('dialTasks', 10);
  const status = await harness.http(
    'campaignStatus',
    apiEvent({
      method: 'GET',
      resource: '/campaigns/{campaignId}',
      pathParameters: { campaignId: 'c-e2e' },
      userId: 'user-e2e',
    }),
  );

  // Assess: the HTTP answers
  expect(started.statusCode).toBe(202);
  expect(started.body).toEqual({
    campaignId: 'c-e2e',
    status: 'running',
    contacts: CONTACTS,
    fanoutJobs: 10,
  });
  expect(fanout).toEqual({ invocations: 10, failures: 0 });
  expect(dialing.failures).toBe(0);
  expect(status.body).toEqual({
    campaignId: 'c-e2e',
    status: 'running',
    contacts: CONTACTS,
    counts: { initiated: CONTACTS - listed.length, skipped_blacklisted: listed.length },
    // No telephony answers here: every call sent is still ringing, no contact is done or due again
    callsInFlight: CONTACTS - listed.length,
    outcomes: {},
    contactsDone: {},
    contactsDueLater: 0,
    settings: expect.objectContaining({ name: 'c-e2e', maxAttempts: 3 }),
  });

  // Assess: the calls
  const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-e2e');
  expect(calls).toHaveLength(CONTACTS - listed.length);
  expect(new Set(calls.map((call) => call.dialId)).size).toBe(CONTACTS - listed.length);
  const listedSet = new Set(listed);
  expect(calls.filter((call) => listedSet.has(call.phoneNumber))).toEqual([]);

  // Assess: the fan-out traces carry the campaign and their three steps
  const docs = harness.stack.xray.documents();
  const fanoutRoots = byName(docs, 'fanoutWorker');
  expect(fanoutRoots).toHaveLength(10);
  for (const root of fanoutRoots) {
    expect(root.annotations).toMatchObject({ campaignId: 'c-e2e', userId: 'user-e2e' });
    const steps = inTrace(docs, root.trace_id)
      .filter((doc) => doc.parent_id === root.id)
      .map((doc) => doc.name);
    expect(steps).toEqual(['LoadContacts', 'FilterBlacklist', 'EnqueueDialTasks']);
  }
  const everything = JSON.stringify(docs);
  for (const contact of contacts.slice(0, 200))
    expect(everything).not.toContain(contact.phoneNumber.slice(2));
}, 180_000);
