import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { createBlacklistService } from '../../../src/services/blacklistService.ts';

/** A DynamoDB client that answers BatchGetItem from `items` and keeps every request it got. */
function fakeDynamo(items: Array<Record<string, unknown>>) {
  const requests: Array<{ name: string; input: Record<string, unknown> }> = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      requests.push({ name: command.constructor.name, input: command.input });
      const table = Object.keys((command.input.RequestItems ?? {}) as object)[0] ?? '';
      const keys =
        (command.input.RequestItems as Record<string, { Keys: Array<{ phoneNumber: string }> }>)[table]
          ?.Keys ?? [];
      const wanted = new Set(keys.map((key) => key.phoneNumber));
      return { Responses: { [table]: items.filter((item) => wanted.has(String(item.phoneNumber))) } };
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, requests };
}

describe('blacklist lookups at dial time', () => {
  it('read strongly consistent, so a number listed a moment ago is never called', async () => {
    // Prepare
    const { client, requests } = fakeDynamo([{ phoneNumber: '+12025550101' }]);
    const blacklist = createBlacklistService({ dynamo: client, tableName: 'dnc' });

    // Act
    const found = await blacklist.findBlacklisted(['+12025550101', '+12025550102']);

    // Assess
    expect([...found]).toEqual(['+12025550101']);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.input.RequestItems).toMatchObject({ dnc: { ConsistentRead: true } });
  });

  it('count a number taken off the list as not listed, and one without the flag (older entries) as listed', async () => {
    // Prepare
    const { client } = fakeDynamo([
      { phoneNumber: '+12025550101', listed: false },
      { phoneNumber: '+12025550102', listed: true },
      { phoneNumber: '+12025550103' },
    ]);
    const blacklist = createBlacklistService({ dynamo: client, tableName: 'dnc' });

    // Act
    const found = await blacklist.findBlacklisted(['+12025550101', '+12025550102', '+12025550103']);

    // Assess
    expect([...found].sort()).toEqual(['+12025550102', '+12025550103']);
  });

  it('ask for at most 100 numbers a call, each number once', async () => {
    // Prepare
    const { client, requests } = fakeDynamo([]);
    const blacklist = createBlacklistService({ dynamo: client, tableName: 'dnc' });
    const numbers = Array.from({ length: 250 }, (_, i) => `+1202555${String(i % 201).padStart(4, '0')}`);

    // Act
    await blacklist.findBlacklisted(numbers);

    // Assess: 201 distinct numbers in 3 calls
    const sizes = requests.map(
      (request) => (request.input.RequestItems as { dnc: { Keys: unknown[] } }).dnc.Keys.length,
    );
    expect(sizes.sort((a, b) => b - a)).toEqual([100, 100, 1]);
  });
});
