/**
 * The do-not-call list, in DynamoDB: one item per E.164 number (partition key `phoneNumber`).
 */
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { type BackoffOptions, backoff } from '../lib/backoff.ts';
import { DependencyError, describeCause } from '../lib/errors.ts';

/** DynamoDB's limit of keys per BatchGetItem call. */
export const BATCH_GET_LIMIT = 100;

export interface BlacklistService {
  /** The numbers of `numbers` that are on the list: one BatchGetItem per 100 numbers. */
  findBlacklisted(numbers: readonly string[]): Promise<Set<string>>;
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

  return {
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
