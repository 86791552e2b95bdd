/**
 * Calls a function served by serverless-offline through its Lambda endpoint, as the event source mapping calls the
 * deployed function: the bundled code, in a worker of its own, with a trace header per invocation.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LambdaHandler } from '../src/middleware/tracedChain.ts';

export function offlineFunction<TEvent = SQSEvent, TResult = SQSBatchResponse>(
  lambda: LambdaClient,
  functionName: string,
): LambdaHandler<TEvent, TResult> {
  return async (event) => {
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const payload = result.Payload ? new TextDecoder().decode(result.Payload) : '';
    if (result.FunctionError) throw new Error(`${functionName} failed: ${payload.slice(0, 500)}`);
    return JSON.parse(payload) as TResult;
  };
}

export function offlineLambdaClient(port: number): LambdaClient {
  return new LambdaClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
