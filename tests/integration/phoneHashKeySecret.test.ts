/**
 * The functions that hash phone numbers, deployed-style: the key comes from a Secrets Manager secret, read at run
 * time with the real SDK and Powertools. Here the secret's endpoint refuses connections, as an unreachable
 * Secrets Manager would: no number may be handled without its key, and nothing may be lost.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/stack.ts';
import { apiEvent } from '../helpers/apiGateway.ts';
import { byName, named } from '../helpers/lambda.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

// Nothing listens on a port just found free: every request to it is refused at once.
const closedPort = await freePort();
const harness = await startSystemHarness({
  PHONE_HASH_KEY: undefined,
  PHONE_HASH_KEY_SECRET_ARN:
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:voice-campaign/test/phone-hash',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${closedPort}`,
});
afterAll(() => harness.stop());

describe('phone-hash key from an unreachable secret', () => {
  it('fails the dial batch as a whole: no call sent, no attempt claimed, every task left on its queue', async () => {
    // Prepare
    const contacts = await harness.seedCampaign('c-no-key', 'user-1', 3, 900);
    await harness.enqueue(
      contacts.map((contact) => ({
        campaignId: 'c-no-key',
        contactId: contact.id,
        attempt: 1,
        phoneNumber: contact.phoneNumber,
        userId: 'user-1',
      })),
    );

    // Act
    const failure = await harness.runBatch().catch((error: unknown) => error);

    // Assess
    expect(failure).toMatchObject({ statusCode: 503, dependency: 'secretsmanager' });
    expect(await harness.callMessages()).toEqual([]);
    expect(await harness.attempts('c-no-key')).toEqual([]);
    const { Attributes } = await harness.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: harness.stack.queueUrls.dialTasks, AttributeNames: ['All'] }),
    );
    // The emulator counts in-flight messages here: the three tasks, received and never deleted.
    expect(Attributes?.ApproximateNumberOfMessages).toBe('3');
    const docs = await harness.stack.xray.waitFor((all) =>
      named(all, 'dialerWorker').some((doc) => doc.fault === true),
    );
    const root = byName(docs, 'dialerWorker').find((doc) => doc.fault === true);
    expect(JSON.stringify(root?.cause)).toContain('The phone-hash key secret could not be read');
    for (const contact of contacts) expect(JSON.stringify(docs)).not.toContain(contact.phoneNumber);
  });

  it('answers a blacklist request with 503 and a plain message: nothing about the secret or the number', async () => {
    // Act
    const response = await harness.http(
      'blacklistCheck',
      apiEvent({
        method: 'POST',
        resource: '/blacklist/lookup',
        body: { phoneNumber: '+12025550143' },
        userId: 'user-1',
      }),
    );

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body).toEqual({ message: 'Service temporarily unavailable; try again later' });
    expect(JSON.stringify(response)).not.toMatch(/arn:aws|2025550143|ECONNREFUSED/);
    expect(response.output.join('')).not.toContain('2025550143');
  });
});
