/**
 * The contact routes through `build(deps)` with the shared fakes: what a caller gets for its rows, for a campaign
 * that is not a draft, and for one that is not theirs. No servers.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_SETTINGS } from '../../../src/domain/campaignSettings.ts';
import type { CampaignDefinition } from '../../../src/repositories/campaignDefinitionRepository.ts';
import type { CampaignDefinitionService } from '../../../src/services/campaignDefinitionService.ts';
import { createContactService } from '../../../src/services/contactService.ts';
import { fakeCampaignDefinitionRepository } from '../../fakes/campaignDefinitionRepository.ts';
import { fakeContactRepository } from '../../fakes/contactRepository.ts';
import { unused } from '../../fakes/unused.ts';
import { apiEvent } from '../../helpers/apiGateway.ts';
import { lambdaContext } from '../../helpers/lambda.ts';

Object.assign(process.env, { STAGE: 'test', DATABASE_URL: 'postgresql://unused' });
const addContacts = await import('../../../src/functions/addContacts.ts');
const deleteContact = await import('../../../src/functions/deleteContact.ts');

const campaign = (campaignId: string, status: CampaignDefinition['status']): CampaignDefinition => ({
  campaignId,
  userId: 'owner',
  status,
  createdAt: '2026-01-01T00:00:00.000Z',
  settings: {
    ...DEFAULT_SETTINGS,
    name: campaignId,
    callerId: '+12025550100',
    callFlow: 'f',
    defaultRegion: 'US',
  },
});

function routes() {
  const definitions = fakeCampaignDefinitionRepository([
    campaign('draft', 'draft'),
    campaign('live', 'running'),
  ]);
  const contacts = fakeContactRepository();
  let next = 0;
  const deps = {
    campaigns: unused<CampaignDefinitionService>('campaigns'),
    contacts: createContactService({ definitions, contacts, newId: () => `gen-${next++}` }),
    logger: new Logger({ serviceName: 'voice-campaign', logLevel: 'SILENT' }),
  };
  const add = addContacts.build(deps);
  const remove = deleteContact.build(deps);
  return {
    contacts,
    add: (campaignId: string, rows: unknown[], userId = 'owner') =>
      add(
        apiEvent({
          method: 'POST',
          resource: '/campaigns/{campaignId}/contacts',
          pathParameters: { campaignId },
          userId,
          body: { contacts: rows },
        }),
        lambdaContext('addContacts'),
      ),
    remove: (campaignId: string, contactId: string) =>
      remove(
        apiEvent({
          method: 'DELETE',
          resource: '/campaigns/{campaignId}/contacts/{contactId}',
          pathParameters: { campaignId, contactId },
          userId: 'owner',
        }),
        lambdaContext('deleteContact'),
      ),
  };
}

describe('contact routes (build with fakes)', () => {
  it('adds the rows it can read, and names each refused row by index and reason', async () => {
    // Prepare
    const { add, contacts } = routes();

    // Act
    const response = await add('draft', [
      { id: 'a', phoneNumber: '(202) 555-0101' },
      { phoneNumber: 'not a number' },
      { id: 'b', phoneNumber: '+1 202 555 0101' },
      { phoneNumber: '+12025550102' },
    ]);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      added: 2,
      refused: [
        { index: 1, reason: 'phoneNumber is not a valid phone number' },
        { index: 2, reason: 'an earlier row has this number or id' },
      ],
    });
    expect(contacts.contacts.get('draft')?.map((c) => [c.id, c.phoneNumber])).toEqual([
      ['a', '+12025550101'],
      ['gen-0', '+12025550102'],
    ]);
  });

  it('refuses contacts for a started campaign (409) and hides a campaign that is not the caller’s (404)', async () => {
    const { add, contacts } = routes();

    const started = await add('live', [{ phoneNumber: '+12025550101' }]);
    const foreign = await add('draft', [{ phoneNumber: '+12025550101' }], 'someone-else');

    expect(started.statusCode).toBe(409);
    expect(JSON.parse(started.body).message).toMatch(/draft only; it is running/);
    expect(foreign.statusCode).toBe(404);
    expect(JSON.parse(foreign.body)).toEqual({ message: 'Campaign not found' });
    expect(contacts.contacts.size).toBe(0);
  });

  it('takes a contact out of a draft by id, and answers 404 for one that is not there', async () => {
    const { add, remove } = routes();
    await add('draft', [{ id: 'a', phoneNumber: '+12025550101' }]);

    expect((await remove('draft', 'a')).statusCode).toBe(204);
    expect((await remove('draft', 'a')).statusCode).toBe(404);
  });
});
