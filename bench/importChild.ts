/**
 * One side of the import benchmark, in a process of its own so its peak memory is its own: loads importWorker on
 * the embedded stack whose environment it is given, and delivers the imports queue's messages to it, as Lambda's
 * event source mapping does, until the queue stays empty. Prints one JSON line: how long, and the peak RSS.
 * With no message waiting it measures the baseline: the same process, the worker loaded, nothing imported.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { lambdaContext, newTraceHeader } from '../local/lambdaRuntime.ts';
import { acknowledge, queueRef, receiveEvent } from '../local/sqsLambda.ts';

const { handler } = await import('../src/functions/importWorker.ts');
const sqs = new SQSClient({
  region: process.env.AWS_REGION,
  endpoint: process.env.AWS_ENDPOINT_URL_SQS,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const queue = queueRef(process.env.IMPORTS_QUEUE_URL ?? '');
const started = performance.now();
let invocations = 0;
for (;;) {
  const event = await receiveEvent(sqs, queue, 1, 1);
  if (event === undefined) break;
  process.env._X_AMZN_TRACE_ID = newTraceHeader().header;
  const response = await handler(event, lambdaContext('importWorker', 900_000));
  if (response.batchItemFailures.length > 0) throw new Error('An import invocation failed');
  await acknowledge(sqs, queue, event, response);
  invocations += 1;
}
// The last receive waited a second for nothing.
const seconds = (performance.now() - started) / 1000 - (invocations > 0 ? 1 : 0);
sqs.destroy();
console.log(JSON.stringify({ invocations, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
process.exit(0);
