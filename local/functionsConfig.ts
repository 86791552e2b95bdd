/**
 * The SQS-triggered functions and their event source mappings (queue, batch size), from the same definitions as
 * serverless.yml, so the local workers drive each one as Lambda would.
 */
import { QUEUES, type QueueKey } from './infrastructure.ts';

export interface SqsTrigger {
  functionName: string;
  /** The name the framework gives the function in stage `local` (how serverless-offline's Lambda endpoint knows it). */
  localName: string;
  queue: QueueKey;
  batchSize: number;
}

const SERVICE = 'voice-campaign';

export async function sqsTriggers(): Promise<SqsTrigger[]> {
  return (Object.entries(QUEUES) as Array<[QueueKey, (typeof QUEUES)[QueueKey]]>).flatMap(
    ([queue, definition]) =>
      definition.consumer
        ? [
            {
              functionName: definition.consumer.function,
              localName: `${SERVICE}-local-${definition.consumer.function}`,
              queue,
              batchSize: definition.consumer.batchSize,
            },
          ]
        : [],
  );
}
