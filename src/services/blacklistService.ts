/**
 * The do-not-call list, in DynamoDB: one item per E.164 number (partition key `phoneNumber`), with who added it,
 * when, and why.
 */

import type { BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type BackoffOptions, backoff } from '../lib/backoff.ts';
import { DependencyError, describeCause } from '../lib/errors.ts';

/** DynamoDB's limit of keys per BatchGetItem call. */
export const BATCH_GET_LIMIT = 100;

export interface BlacklistEntry {
  phoneNumber: string;
  addedBy: string;
  addedAt: string;
  reason?: string;
}

export interface BlacklistService {
  /** The numbers of `numbers` that are on the list: one BatchGetItem per 100 numbers. */
  findBlacklisted(numbers: readonly string[]): Promise<Set<string>>;
  /** Puts a number on the list; a number already there keeps who added it and when (`created` false). */
  add(entry: BlacklistEntry): Promise<{ entry: BlacklistEntry; created: boolean }>;
  get(phoneNumber: string): Promise<BlacklistEntry | undefined>;
  /** Takes a number off the list; false when it was not on it. */
  remove(phoneNumber: string): Promise<boolean>;
}

export interface BlacklistDeps {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  /** Retries of unprocessed keys (throttling, size limits). */
  retry?: BackoffOptions;
}

export function createBlacklistService({
  dynamo,
  tableName,
  retry = { attempts: 5, baseDelayMs: 50 },
}: BlacklistDeps): BlacklistService {
  async function lookUpChunk(chunk: readonly string[], found: Set<string>): Promise<void> {
    let pending: Record<string, unknown>[] = chunk.map((phoneNumber) => ({ phoneNumber }));
    for (let tried = 1; pending.length > 0; tried += 1) {
      if (tried > 1) await backoff(tried - 1, retry);
      let result: BatchGetCommandOutput;
      try {
        result = await dynamo.send(
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: pending, ProjectionExpression: 'phoneNumber' } },
          }),
        );
      } catch (error) {
        throw new DependencyError('dynamodb', `Blacklist lookup failed: ${describeCause(error)}`, {
          cause: error,
        });
      }
      for (const item of result.Responses?.[tableName] ?? []) {
        if (typeof item.phoneNumber === 'string') found.add(item.phoneNumber);
      }
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
      if (pending.length > 0 && tried >= retry.attempts) {
        throw new DependencyError('dynamodb', `Blacklist lookup left ${pending.length} keys unprocessed`);
      }
    }
  }

  async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new DependencyError('dynamodb', `Blacklist ${what} failed: ${describeCause(error)}`, {
        cause: error,
      });
    }
  }

  const get = async (phoneNumber: string) => {
    const { Item } = await call('read', () =>
      dynamo.send(new GetCommand({ TableName: tableName, Key: { phoneNumber }, ConsistentRead: true })),
    );
    return Item as BlacklistEntry | undefined;
  };

  return {
    get,

    async add(entry) {
      // One write that keeps an existing entry as it is: no conditional failure, which the SDK's tracing would
      // record as a fault although a number already listed is a normal answer.
      const values: Record<string, string> = { ':addedBy': entry.addedBy, ':addedAt': entry.addedAt };
      const set = [
        'addedBy = if_not_exists(addedBy, :addedBy)',
        'addedAt = if_not_exists(addedAt, :addedAt)',
      ];
      if (entry.reason !== undefined) {
        values[':reason'] = entry.reason;
        set.push('reason = if_not_exists(reason, :reason)');
      }
      const { Attributes } = await call('write', () =>
        dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { phoneNumber: entry.phoneNumber },
            UpdateExpression: `SET ${set.join(', ')}`,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      return Attributes === undefined
        ? { entry, created: true }
        : { entry: Attributes as BlacklistEntry, created: false };
    },

    async remove(phoneNumber) {
      const { Attributes } = await call('delete', () =>
        dynamo.send(
          new DeleteCommand({ TableName: tableName, Key: { phoneNumber }, ReturnValues: 'ALL_OLD' }),
        ),
      );
      return Attributes !== undefined;
    },

    async findBlacklisted(numbers) {
      const unique = [...new Set(numbers)];
      const found = new Set<string>();
      const chunks: string[][] = [];
      for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT)
        chunks.push(unique.slice(i, i + BATCH_GET_LIMIT));
      await Promise.all(chunks.map((chunk) => lookUpChunk(chunk, found)));
      return found;
    },
  };
}
