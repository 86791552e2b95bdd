/**
 * The typed boundary of every SQS-triggered function. For each batch it:
 * 1. parses and validates each record's body once (JSON, then the message's precompiled schema);
 * 2. hands the valid ones to the service as typed tasks, named by their record ids, and gets one outcome per task;
 * 3. maps the outcomes, here alone, to the batch's answer (`batchItemFailures`: the tasks to retry), the record of
 *    rejected messages (set aside with their reason, never retried), the log lines and the root span's flags.
 * Services see tasks and outcomes only, no Lambda or SQS types.
 *
 * Hand-written rather than Powertools' BatchProcessor: that runs one record handler per record, while the
 * services here batch their I/O across the records (one BatchGetItem, one SendMessageBatch, a claim and an outcome statement); and
 * Powertools' Parser wants Zod schemas, where this project's schemas are JSON Schema files, precompiled.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { ErrorObject } from 'ajv';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type {
  QueueService,
  QueueTask,
  RejectedMessage,
  RejectionStore,
  TaskOutcome,
} from '../lib/queueTasks.ts';
import { redactPhoneLike } from '../lib/redact.ts';
import { describeSchemaErrors } from '../lib/schemaErrors.ts';
import { currentSpan } from '../lib/tracing.ts';
import { type LambdaHandler, tracedChain } from './tracedChain.ts';

/** A precompiled validator (src/generated/*.validate.cjs). */
export interface BodyValidator<T> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

/** What a queue's messages are. */
export interface QueueSpec<T> {
  /** The function's name: the root subsegment's name. */
  name: string;
  /** The queue's name, for the rejected-message record. */
  queue: string;
  /** What a message is, for reasons and log lines: `Dial task`, `Fan-out job`. */
  noun: string;
  validate: BodyValidator<T>;
}

export interface QueueStackDeps {
  rejections: RejectionStore;
  logger: Logger;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const idIn = (value: unknown, key: string) => {
  const field =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof field === 'string' && ID.test(field) ? field : undefined;
};

type Read<T> = { task: QueueTask<T> } | { rejected: RejectedMessage };

function read<T>(options: QueueSpec<T>, id: string, body: string): Read<T> {
  const reject = (reason: string, value?: unknown): Read<T> => ({
    rejected: {
      queue: options.queue,
      messageId: id,
      campaignId: idIn(value, 'campaignId'),
      contactId: idIn(value, 'contactId'),
      reason,
      body,
    },
  });
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return reject(`${options.noun} is not valid JSON`);
  }
  if (!options.validate(value)) {
    const details = describeSchemaErrors(options.validate.errors).join('; ');
    return reject(`${options.noun} does not match its schema: ${details}`, value);
  }
  return { task: { id, body: value } };
}

/** The value of `key` shared by every task, for the root's annotations (values already validated). */
function common<T>(tasks: readonly QueueTask<T>[], key: string): string | undefined {
  const values = new Set(tasks.map((task) => (task.body as Record<string, unknown>)[key]));
  const [only] = values;
  return values.size === 1 && typeof only === 'string' ? only : undefined;
}

/** Builds an SQS-triggered function around a service that turns typed tasks into outcomes. */
export function queueFunction<T>(
  options: QueueSpec<T>,
  { rejections, logger }: QueueStackDeps,
  process: QueueService<T>,
): LambdaHandler<SQSEvent, SQSBatchResponse> {
  const { noun } = options;
  return tracedChain<SQSEvent, SQSBatchResponse>(
    {
      name: options.name,
      responseStatus: (response) => (response.batchItemFailures.length > 0 ? 500 : undefined),
    },
    // Powertools' own: the invocation's context (request id, cold start) on every log line.
    [injectLambdaContext(logger) as MiddlewareObj<SQSEvent, SQSBatchResponse>],
    async (event, context) => {
      const reads = (event.Records ?? []).map((record) => read(options, record.messageId, record.body));
      const tasks = reads.flatMap((item) => ('task' in item ? [item.task] : []));
      const rejected = reads.flatMap((item) => ('rejected' in item ? [item.rejected] : []));
      const root = currentSpan();
      root.annotate('campaignId', common(tasks, 'campaignId'));
      root.annotate('userId', common(tasks, 'userId'));
      // Every record appears once in the trace: the service spans its tasks; a message refused here gets its own.
      for (const item of rejected) {
        const span = root.child('RejectedMessage');
        span.addMetadata('messageId', item.messageId);
        span.addMetadata('reason', redactPhoneLike(item.reason));
        span.markStatus(400);
        span.close();
      }

      const outcomes = new Map<string, TaskOutcome>(
        tasks.length > 0
          ? await process(tasks, { remainingMs: () => context.getRemainingTimeInMillis() })
          : [],
      );
      for (const item of rejected) outcomes.set(item.messageId, { kind: 'reject', reason: item.reason });
      const identities = new Map(
        tasks.map((task) => [
          task.id,
          { campaignId: idIn(task.body, 'campaignId'), contactId: idIn(task.body, 'contactId') },
        ]),
      );
      const bodies = new Map((event.Records ?? []).map((record) => [record.messageId, record.body]));
      const refusedHere = new Set(rejected.map((item) => item.messageId));
      // The service's rejections join the stack's own in one record of the batch's rejected messages.
      for (const [id, outcome] of outcomes) {
        if (outcome.kind === 'reject' && !refusedHere.has(id)) {
          rejected.push({
            queue: options.queue,
            messageId: id,
            ...identities.get(id),
            reason: outcome.reason,
            body: bodies.get(id) ?? '',
          });
        }
      }
      if (rejected.length > 0) {
        try {
          await rejections.record(rejected);
        } catch {
          // Not recorded, not lost: the messages come back and are set aside on a later delivery.
          for (const item of rejected)
            outcomes.set(item.messageId, { kind: 'retry', reason: 'could not be set aside' });
        }
      }
      return answer(event, outcomes, identities, logger, noun);
    },
  );
}

/** The batch's answer and its log lines: a line per rejected or retried message, one summary per batch. */
function answer(
  event: SQSEvent,
  outcomes: Map<string, TaskOutcome>,
  identities: ReadonlyMap<string, { campaignId?: string; contactId?: string }>,
  logger: Logger,
  noun: string,
): SQSBatchResponse {
  const summary: Record<string, number> = {};
  const add = (key: string, n = 1) => {
    summary[key] = (summary[key] ?? 0) + n;
  };
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records ?? []) {
    const outcome = outcomes.get(record.messageId) ?? { kind: 'retry', reason: 'no outcome' };
    const facts = { messageId: record.messageId, ...identities.get(record.messageId) };
    if (outcome.kind === 'done') {
      add(outcome.result);
      for (const [key, n] of Object.entries(outcome.counts ?? {})) add(key, n);
    } else if (outcome.kind === 'reject') {
      add('rejected');
      logger.warn(`${noun} rejected`, { ...facts, reason: redactPhoneLike(outcome.reason) });
    } else {
      add('retry');
      batchItemFailures.push({ itemIdentifier: record.messageId });
      logger.error(`${noun} will be retried`, { ...facts, reason: redactPhoneLike(outcome.reason) });
    }
  }
  logger.info('Batch processed', { received: event.Records?.length ?? 0, ...summary });
  return { batchItemFailures };
}
