/** Outside Lambda (no LAMBDA_TASK_ROOT, as with `sls invoke local` or a plain script) tracing does nothing, quietly. */
import { afterAll, expect, it, jest } from '@jest/globals';
import { startXrayReceiver } from '../../../local/xrayReceiver.ts';
import { lambdaContext } from '../../helpers/lambda.ts';

const receiver = await startXrayReceiver();
delete process.env.LAMBDA_TASK_ROOT;
delete process.env._X_AMZN_TRACE_ID;
process.env.AWS_XRAY_DAEMON_ADDRESS = receiver.address;
process.env.STAGE = 'test';

const { tracedChain } = await import('../../../src/middleware/tracedChain.ts');
const { traced, currentSpan } = await import('../../../src/lib/tracing.ts');

afterAll(() => receiver.stop());

it('runs the handler with no segment, sending nothing and writing nothing to the console', async () => {
  // Prepare
  const writes = [jest.spyOn(process.stdout, 'write'), jest.spyOn(process.stderr, 'write')];
  const consoles = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    jest.spyOn(console, level),
  );
  const handler = tracedChain<{ campaignId: string }, string>(
    { name: 'example', campaignId: (event) => event.campaignId },
    [],
    async () => {
      await traced('Work', async (span) => span.annotate('key', 'value'));
      return currentSpan().traced ? 'traced' : 'untraced';
    },
  );

  // Act
  const result = await handler({ campaignId: 'c-1' }, lambdaContext('example'));
  const failure = tracedChain({ name: 'example' }, [], async () => {
    throw new Error('boom');
  })({}, lambdaContext('example'));

  // Assess
  expect(result).toBe('untraced');
  await expect(failure).rejects.toThrow('boom');
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(receiver.documents()).toEqual([]);
  for (const spy of [...writes, ...consoles]) expect(spy).not.toHaveBeenCalled();
});
