/**
 * The do-not-call list, in DynamoDB: one item per E.164 number (partition key `phoneNumber`) saying whether it is
 * listed now, since when, by whom and why, and carrying its history: every addition and removal, appended in the
 * same write as the change it records (so the two can never disagree), and never edited or deleted by any call here.
 * A removal keeps the item (`listed` false) and its history; an item without `listed` is listed.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { BatchGetCommandOutput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type BackoffOptions, retryPending } from '../lib/backoff.ts';
import { DependencyError, describeCause } from '../lib/errors.ts';

/** DynamoDB's limit of keys per BatchGetItem call. */
export const BATCH_GET_LIMIT = 100;

/** One change of a number's listing. `phoneHash` lets the history be shared without the number. */
export interface ListingEvent {
  action: 'add' | 'remove';
  at: string;
  by: string;
  reason?: string;
  phoneHash: string;
}

export interface BlacklistEntry {
  phoneNumber: string;
  listed: boolean;
  /** The current listing's: absent once the number is taken off. */
  addedBy?: string;
  addedAt?: string;
  reason?: string;
  history: ListingEvent[];
}

/** A change asked for: who, when, why, and the number's hash for the history. */
export type ListingChange = Omit<ListingEvent, 'action'> & { phoneNumber: string };

export interface BlacklistService {
  /** The numbers of `numbers` that are listed now: one strongly consistent BatchGetItem per 100 numbers. */
  findBlacklisted(numbers: readonly string[]): Promise<Set<string>>;
  /** The number's entry, listed or not; undefined when it was never on the list. */
  get(phoneNumber: string): Promise<BlacklistEntry | undefined>;
  /** Lists a number; one already listed keeps its entry as it is (`created` false). */
  add(change: ListingChange): Promise<{ entry: BlacklistEntry; created: boolean }>;
  /** Takes a number off the list, recording why; undefined when it was not listed. */
  remove(change: ListingChange): Promise<BlacklistEntry | undefined>;
}

export interface BlacklistDeps {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  /** Retries of unprocessed keys (throttling, size limits). */
  retry?: BackoffOptions;
}

interface StoredItem {
  phoneNumber: string;
  listed?: boolean;
  addedBy?: string;
  addedAt?: string;
  reason?: string;
  history?: ListingEvent[];
  version?: number;
}

const isListed = (item: Pick<StoredItem, 'listed'>) => item.listed !== false;

function toEntry(item: StoredItem): BlacklistEntry {
  const { version: _version, history = [], listed: _listed, ...rest } = item;
  return { ...rest, listed: isListed(item), history };
}

/** How many times a change is tried again when another change of the same number came between read and write. */
const CONCURRENT_CHANGE_TRIES = 3;

export function createBlacklistService({
  dynamo,
  tableName,
  retry = { attempts: 5, baseDelayMs: 50 },
}: BlacklistDeps): BlacklistService {
  async function call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw new DependencyError('dynamodb', `Blacklist ${what} failed: ${describeCause(error)}`, {
        cause: error,
      });
    }
  }

  async function lookUpChunk(chunk: readonly string[], found: Set<string>): Promise<void> {
    const keys: Record<string, unknown>[] = chunk.map((phoneNumber) => ({ phoneNumber }));
    const left = await retryPending(
      keys,
      async (pending) => {
        const result: BatchGetCommandOutput = await call('lookup', () =>
          dynamo.send(
            new BatchGetCommand({
              RequestItems: {
                // Strongly consistent: a number listed a moment ago must not be called.
                [tableName]: {
                  Keys: [...pending],
                  ProjectionExpression: 'phoneNumber, listed',
                  ConsistentRead: true,
                },
              },
            }),
          ),
        );
        for (const item of (result.Responses?.[tableName] ?? []) as StoredItem[]) {
          if (typeof item.phoneNumber === 'string' && isListed(item)) found.add(item.phoneNumber);
        }
        return result.UnprocessedKeys?.[tableName]?.Keys ?? [];
      },
      retry,
    );
    if (left.length > 0) {
      throw new DependencyError('dynamodb', `Blacklist lookup left ${left.length} keys unprocessed`);
    }
  }

  async function read(phoneNumber: string): Promise<StoredItem | undefined> {
    const { Item } = await call('read', () =>
      dynamo.send(new GetCommand({ TableName: tableName, Key: { phoneNumber }, ConsistentRead: true })),
    );
    return Item as StoredItem | undefined;
  }

  /**
   * Writes a change of `current` (as read) with its history event, only if the item is still as read; false when
   * another change came first. Expected races only: a normal repeat never reaches here.
   */
  async function write(current: StoredItem | undefined, change: ListingChange, set: Record<string, unknown>) {
    const event: ListingEvent = {
      action: set.listed === true ? 'add' : 'remove',
      at: change.at,
      by: change.by,
      phoneHash: change.phoneHash,
      ...(change.reason !== undefined ? { reason: change.reason } : {}),
    };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':event': [event],
      ':none': [],
      ':next': (current?.version ?? 0) + 1,
    };
    const assignments = ['history = list_append(if_not_exists(history, :none), :event)', 'version = :next'];
    const removals: string[] = [];
    for (const [key, value] of Object.entries(set)) {
      names[`#${key}`] = key;
      if (value === undefined) removals.push(`#${key}`);
      else {
        values[`:${key}`] = value;
        assignments.push(`#${key} = :${key}`);
      }
    }
    let condition = 'attribute_not_exists(phoneNumber)';
    if (current !== undefined) {
      condition = current.version === undefined ? 'attribute_not_exists(version)' : 'version = :current';
      if (current.version !== undefined) values[':current'] = current.version;
    }
    try {
      const { Attributes } = await call('write', () =>
        dynamo.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { phoneNumber: change.phoneNumber },
            UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toEntry(Attributes as StoredItem);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Reads, decides, writes; reads again when another change of the same number came in between. */
  async function change<T>(
    phoneNumber: string,
    decide: (current: StoredItem | undefined) => Promise<{ result: T } | 'raced'>,
  ): Promise<T> {
    for (let tried = 1; ; tried += 1) {
      const attempt = await decide(await read(phoneNumber));
      if (attempt !== 'raced') return attempt.result;
      if (tried >= CONCURRENT_CHANGE_TRIES) {
        throw new DependencyError('dynamodb', 'Blacklist entry kept changing while being written');
      }
    }
  }

  return {
    async get(phoneNumber) {
      const item = await read(phoneNumber);
      return item === undefined ? undefined : toEntry(item);
    },

    add(request) {
      return change<{ entry: BlacklistEntry; created: boolean }>(request.phoneNumber, async (current) => {
        if (current !== undefined && isListed(current))
          return { result: { entry: toEntry(current), created: false } };
        const set = { listed: true, addedBy: request.by, addedAt: request.at, reason: request.reason };
        const entry = await write(current, request, set);
        return entry === undefined ? 'raced' : { result: { entry, created: true } };
      });
    },

    remove(request) {
      return change<BlacklistEntry | undefined>(request.phoneNumber, async (current) => {
        if (current === undefined || !isListed(current)) return { result: undefined };
        const set = { listed: false, addedBy: undefined, addedAt: undefined, reason: undefined };
        const entry = await write(current, request, set);
        return entry === undefined ? 'raced' : { result: entry };
      });
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
