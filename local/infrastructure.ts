/**
 * The queues, table and bucket of config/infrastructure.cjs (what serverless.yml deploys), typed for the local stack and
 * its workers: the local system creates and drives exactly what is deployed.
 */
import { createRequire } from 'node:module';

export interface QueueDefinition {
  /** CloudFormation name prefix: `${resource}Queue`, `${resource}DeadLetterQueue`. */
  resource: string;
  name: string;
  visibilityTimeout: number;
  maxReceiveCount: number;
  /** The function its event source mapping triggers, and how. */
  consumer?: { function: string; batchSize: number; maximumBatchingWindow?: number };
}

const infrastructure = createRequire(import.meta.url)('../config/infrastructure.cjs') as {
  QUEUES: Record<
    'dialTasks' | 'imports' | 'asteriskCalls' | 'callResults' | 'campaignTicks',
    QueueDefinition
  >;
  BLACKLIST_TABLE: { resource: string; name: string; key: string };
  IMPORT_BUCKET: { resource: string; name: string; uploadsPrefix: string; rejectsPrefix: string };
  MODEL_BUCKET: { resource: string; name: string; prefix: string };
  DLQ_RETENTION_SECONDS: number;
};

export const QUEUES = infrastructure.QUEUES;
export type QueueKey = keyof typeof QUEUES;
export const BLACKLIST_TABLE = infrastructure.BLACKLIST_TABLE;
export const IMPORT_BUCKET = infrastructure.IMPORT_BUCKET;
export const MODEL_BUCKET = infrastructure.MODEL_BUCKET;
export const DLQ_RETENTION_SECONDS = infrastructure.DLQ_RETENTION_SECONDS;
