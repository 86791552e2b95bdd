/** The SQS client: created once per function instance, traced. Endpoint and region come from the SDK's own settings. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { captureClient } from './tracing.ts';

export const sqsClient = captureClient(new SQSClient({}));
