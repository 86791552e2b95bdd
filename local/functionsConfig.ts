/**
 * What serverless.yml says of the SQS-triggered functions (queue, batch size), so the local workers drive each one
 * as its event source mapping would.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { QueueKey } from './stack.ts';

/** serverless.yml queue resources, by the local queue that stands for each. */
const QUEUE_RESOURCES: Record<string, QueueKey> = { FanoutQueue: 'fanout', DialTasksQueue: 'dialTasks' };

export interface SqsTrigger {
  functionName: string;
  /** The name the framework gives the function in stage `local` (how serverless-offline's Lambda endpoint knows it). */
  localName: string;
  queue: QueueKey;
  batchSize: number;
}

// CloudFormation's short forms (!GetAtt X.Arn, !Ref X) read as plain values.
const customTags = ['GetAtt', 'Ref', 'Sub', 'Join', 'If', 'Equals', 'Not'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) => ({ [name]: value }),
}));

export async function sqsTriggers(): Promise<SqsTrigger[]> {
  const text = await readFile(join(import.meta.dirname, '..', 'serverless.yml'), 'utf8');
  const config = parse(text, { customTags }) as {
    service: string;
    functions: Record<string, { events?: Array<{ sqs?: { arn: { GetAtt?: string }; batchSize?: number } }> }>;
  };
  return Object.entries(config.functions).flatMap(([functionName, fn]) =>
    (fn.events ?? []).flatMap(({ sqs }) => {
      const resource = sqs?.arn.GetAtt?.split('.')[0] ?? '';
      const queue = QUEUE_RESOURCES[resource];
      const localName = `${config.service}-local-${functionName}`;
      return sqs && queue ? [{ functionName, localName, queue, batchSize: sqs.batchSize ?? 10 }] : [];
    }),
  );
}
