/**
 * One process of the tracing benchmark (bench/tracing.ts): the cost per invocation of one tracing stack against bare
 * Middy, measured in this process in alternating rounds. The project's chain uses whichever backend this process
 * resolves (`node --conditions=tracing-opentelemetry` for OpenTelemetry); `powertools` is the same handler with
 * Powertools' Tracer middleware. Each invocation is a root with 3 annotations of its own and 5 child spans, its
 * documents sent to the daemon address given (a UDP sink in the parent process, as the daemon is in Lambda).
 *
 * Usage: node [--conditions=tracing-opentelemetry] bench/tracingChild.ts <project|powertools> <daemon> <n> <rounds>
 * Prints one JSON line: median ms per invocation of the subject and of bare Middy, sampled and unsampled.
 */
import { randomBytes } from 'node:crypto';

const [subject = 'project', daemon = '127.0.0.1:2000', n = '2000', rounds = '10'] = process.argv.slice(2);
const N = Number(n);
const ROUNDS = Number(rounds);

Object.assign(process.env, {
  LAMBDA_TASK_ROOT: '/var/task',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  // Powertools' Tracer traces only where Lambda says it runs.
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  _HANDLER: 'bench.handler',
  AWS_XRAY_DAEMON_ADDRESS: daemon,
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  STAGE: 'bench',
  SERVICE_NAME: 'voice-campaign',
  POWERTOOLS_SERVICE_NAME: 'voice-campaign',
  POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
});

const traceId = () => `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
const header = (sampled: boolean) =>
  `Root=${traceId()};Parent=${randomBytes(8).toString('hex')};Sampled=${sampled ? 1 : 0}`;

const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '512',
  awsRequestId: 'bench',
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};
interface BenchEvent {
  campaignId: string;
  userId: string;
}
const event: BenchEvent = { campaignId: 'c-bench', userId: 'user-bench' };
type Handler = (input: BenchEvent, lambdaContext: typeof context) => Promise<unknown>;

const { default: middy } = await import('@middy/core');
const step = async () => {};
const bare: Handler = middy(async () => {
  for (let i = 0; i < 5; i += 1) await step();
  return 'ok';
});

async function projectHandler(): Promise<Handler> {
  const { tracedChain } = await import('../src/middleware/tracedChain.ts');
  const { currentSpan, traced } = await import('../src/lib/tracing.ts');
  return tracedChain<BenchEvent, string>(
    { name: 'bench', campaignId: (e) => e.campaignId, userId: (e) => e.userId },
    [],
    async () => {
      currentSpan().annotate('attempt', 1);
      currentSpan().annotate('outcome', 'dialled');
      currentSpan().annotate('batch', 'b-1');
      for (let i = 0; i < 5; i += 1) await traced(`Step${i}`, step);
      return 'ok';
    },
  );
}

async function powertoolsHandler(): Promise<Handler> {
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  const { captureLambdaHandler } = await import('@aws-lambda-powertools/tracer/middleware');
  const tracer = new Tracer();
  return middy(async (e: BenchEvent) => {
    tracer.putAnnotation('campaignId', e.campaignId);
    tracer.putAnnotation('userId', e.userId);
    tracer.putAnnotation('environment', 'bench');
    const parent = tracer.getSegment();
    for (let i = 0; i < 5; i += 1) {
      const child = parent?.addNewSubsegment(`Step${i}`);
      if (child) tracer.setSegment(child);
      await step();
      child?.close();
      if (parent) tracer.setSegment(parent);
    }
    return 'ok';
  }).use(captureLambdaHandler(tracer, { captureResponse: false }));
}

const measured: Handler = subject === 'powertools' ? await powertoolsHandler() : await projectHandler();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function timeRound(handler: Handler, sampled: boolean): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < N; i += 1) {
    process.env._X_AMZN_TRACE_ID = header(sampled);
    await handler(event, context);
  }
  return (performance.now() - start) / N;
}

const result: Record<string, { subjectMs: number; bareMs: number; overheadUs: number }> = {};
for (const sampled of [true, false]) {
  // Warm both up first: the JIT, and the cold start's first invocation.
  await timeRound(measured, sampled);
  await timeRound(bare, sampled);
  const times = { subject: [] as number[], bare: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    times.subject.push(await timeRound(measured, sampled));
    times.bare.push(await timeRound(bare, sampled));
  }
  const subjectMs = median(times.subject);
  const bareMs = median(times.bare);
  result[sampled ? 'sampled' : 'unsampled'] = {
    subjectMs: Number(subjectMs.toFixed(4)),
    bareMs: Number(bareMs.toFixed(4)),
    overheadUs: Number(((subjectMs - bareMs) * 1000).toFixed(1)),
  };
}
// Let the last datagrams leave before the process ends.
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(JSON.stringify(result));
process.exit(0);
