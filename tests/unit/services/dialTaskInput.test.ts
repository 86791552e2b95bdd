import { describe, expect, it } from '@jest/globals';
import { readDialTask } from '../../../src/services/dialTaskInput.ts';

const task = { campaignId: 'c-1', contactId: 'k-1', attempt: 1, phoneNumber: '+12025550143', userId: 'u-1' };

describe('readDialTask', () => {
  it('accepts a valid task and normalises its number to E.164', () => {
    const input = readDialTask(JSON.stringify({ ...task, phoneNumber: '(202) 555-0143' }), 'US');
    expect(input).toEqual({ ok: true, task });
  });

  it.each([
    ['not json', 'Dial task is not valid JSON', {}],
    [
      JSON.stringify({ ...task, attempt: 0 }),
      'Dial task does not match its schema: attempt must be >= 1',
      { campaignId: 'c-1', contactId: 'k-1' },
    ],
    [
      JSON.stringify({ ...task, campaignId: 'bad id!' }),
      'campaignId must match pattern',
      { contactId: 'k-1', attempt: 1 },
    ],
    [
      JSON.stringify({ ...task, extra: 1 }),
      'unknown field extra',
      { campaignId: 'c-1', contactId: 'k-1', attempt: 1 },
    ],
    [JSON.stringify([task]), 'body must be object', {}],
    [
      JSON.stringify({ ...task, phoneNumber: '12' }),
      'phoneNumber is not a valid phone number',
      { campaignId: 'c-1' },
    ],
  ])('rejects %s with a reason and what could be read of its identity', (body, reason, identity) => {
    const input = readDialTask(body, 'US');
    if (input.ok) throw new Error('accepted');
    expect(input.error.message).toContain(reason);
    expect(input.identity).toMatchObject(identity);
    expect(input.error.message).not.toContain('202');
  });
});
