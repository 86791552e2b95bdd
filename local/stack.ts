/**
 * The embedded stack shared by `npm start` and the tests: real PostgreSQL, DynamoDB (dynalite), SQS
 * (local-aws-sqs) and S3 (s3rver) servers on free loopback ports, and an X-Ray receiver. No Docker, no Java, no AWS
 * account. The queues, their DLQs, the blacklist table and the import bucket (with its upload notifications to the
 * imports queue) mirror the resources in serverless.yml.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account.js';
import {
  BLACKLIST_TABLE,
  DLQ_RETENTION_SECONDS,
  IMPORT_BUCKET,
  MODEL_BUCKET,
  QUEUES,
  type QueueKey,
} from './infrastructure.ts';
import { migrate } from './migrate.ts';
import { startPostgres } from './postgres.ts';
import { startS3PolicyFront } from './s3PolicyFront.ts';
import { startXrayReceiver, type XrayReceiver } from './xrayReceiver.ts';

export { BLACKLIST_TABLE, IMPORT_BUCKET, QUEUES, type QueueKey } from './infrastructure.ts';

export interface LocalStackOptions {
  /**
   * Where PostgreSQL, DynamoDB and S3 keep their data between runs; in memory and temporary directories (deleted on
   * stop) when absent. SQS queues live in memory either way.
   */
  dataDir?: string;
  /** Where the X-Ray receiver appends documents (NDJSON). */
  xrayFile?: string;
  /** Trade durability for speed (tests). */
  fast?: boolean;
}

export interface LocalStack {
  /** Environment for functions run against this stack (endpoints, names, credentials). */
  env: Record<string, string>;
  queueUrls: Record<QueueKey, string>;
  dlqUrls: Record<QueueKey, string>;
  databaseUrl: string;
  /** Where PostgreSQL keeps its files (outside `dataDir` when its user cannot reach that). */
  postgresDataDir: string;
  xray: XrayReceiver;
  /** Stops PostgreSQL (its connections cut, as a restart or failover does) and starts it again after `downMs`. */
  restartPostgres(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where the kernel takes the local ports of outgoing connections (Linux's ip_local_port_range). A port handed out
 * by `listen(0)` lies in that range, and between `freePort` closing it and a server binding it, any outgoing
 * connection of the run (an SDK call, a pg pool) may take it: PostgreSQL then fails with "Address already in use".
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && high !== undefined && low > 11_000) return [low, high];
  } catch {
    // Not Linux: the range stays unknown.
  }
  return [0, 0];
}

function bindsOn(port: number): Promise<number | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port free on the loopback interface now, for a server that binds it a moment later: taken below the
 * kernel's ephemeral range where that is known (no outgoing connection lands there), at random so that parallel
 * test workers rarely meet, and checked by binding it.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  for (let attempt = 0; low > 0 && attempt < 50; attempt += 1) {
    const port = await bindsOn(10_000 + Math.floor(Math.random() * (low - 10_000)));
    if (port !== undefined) return port;
  }
  const port = await bindsOn(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** Creates the blacklist table as serverless.yml declares it; a table kept from an earlier run is left as it is. */
export async function createBlacklistTable(dynamo: DynamoDBClient): Promise<void> {
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: BLACKLIST_TABLE.name,
        AttributeDefinitions: [{ AttributeName: BLACKLIST_TABLE.key, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: BLACKLIST_TABLE.key, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

async function createQueues(sqs: SQSClient) {
  const queueUrls = {} as Record<QueueKey, string>;
  const dlqUrls = {} as Record<QueueKey, string>;
  for (const [key, queue] of Object.entries(QUEUES) as [QueueKey, (typeof QUEUES)[QueueKey]][]) {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${queue.name}-dlq`,
        Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS) },
      }),
    );
    const dlqAttributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const main = await sqs.send(
      new CreateQueueCommand({
        QueueName: queue.name,
        Attributes: {
          VisibilityTimeout: String(queue.visibilityTimeout),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
            maxReceiveCount: queue.maxReceiveCount,
          }),
        },
      }),
    );
    queueUrls[key] = main.QueueUrl ?? '';
    dlqUrls[key] = dlq.QueueUrl ?? '';
  }
  return { queueUrls, dlqUrls };
}

/**
 * The local S3, with the import bucket. As the bucket's notification does on AWS, every file uploaded under
 * uploads/ becomes a message on the imports queue (S3's own event, as its body).
 */
const UPLOAD_CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>POST</AllowedMethod>
<AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>
</CORSConfiguration>`;

async function startS3(directory: string, sqs: SQSClient, importsQueueUrl: string) {
  // Requests are signed with the local stack's credentials, and s3rver checks their signatures.
  DUMMY_ACCOUNT.createKeyPair('local', 'local');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // The dashboard sends import files from its own origin (config/infrastructure.cjs gives the bucket on AWS the same
    // rule for the distribution's origin).
    configureBuckets: [{ name: IMPORT_BUCKET.name, configs: [UPLOAD_CORS] }, { name: MODEL_BUCKET.name }],
  });
  const { port } = await server.run();
  server.on('event', (event) => {
    const created = event.Records.filter(
      (record) =>
        record.eventName.startsWith('ObjectCreated:') &&
        record.s3.object.key.startsWith(IMPORT_BUCKET.uploadsPrefix),
    );
    if (created.length === 0) return;
    sqs
      .send(
        new SendMessageCommand({
          QueueUrl: importsQueueUrl,
          MessageBody: JSON.stringify({ Records: created }),
        }),
      )
      .catch((error: unknown) => {
        process.stderr.write(
          `Local S3: the upload notice could not reach the imports queue: ${String(error)}\n`,
        );
      });
  });
  // Clients reach it through the front that checks browser uploads' policies, as S3 does.
  const front = await startS3PolicyFront(port);
  return {
    endpoint: front.endpoint,
    stop: async () => {
      await front.stop();
      await server.close();
    },
  };
}

/** Starts PostgreSQL, on another free port when a parallel process took the one chosen before it bound it. */
async function startOnFreePort(options: Parameters<typeof startPostgres>[0]) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startPostgres(options);
    } catch (error) {
      if (attempt === 3 || !String(error).includes('port is in use')) throw error;
      options.port = await freePort();
    }
  }
}

/** Starts every stand-in, applies the migrations, creates the table and queues. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
  };
  try {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'voice-campaign-pg-')));
    if (!options.dataDir) stops.push(() => rm(dataDir, { recursive: true, force: true }));
    const postgresOptions = {
      dataDir: options.dataDir ? join(dataDir, 'postgres') : dataDir,
      port: await freePort(),
      persistent: true,
      fast: options.fast,
    };
    let postgres = await startOnFreePort(postgresOptions);
    // A temporary cluster goes with the stack, also where it had to live outside `dataDir` (see postgresDataDir).
    if (!options.dataDir) stops.push(() => rm(postgres.dataDir, { recursive: true, force: true }));
    stops.push(() => postgres.stop());
    await migrate(postgres.url);

    const dynamoServer = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      path: options.dataDir ? join(dataDir, 'dynamodb') : undefined,
    });
    const dynamoPort = await listen(dynamoServer);
    stops.push(() => close(dynamoServer));

    const sqsPort = await freePort();
    const sqsServer = await createSqsServer({
      port: sqsPort,
      hostname: '127.0.0.1',
      emulateQueueCreationLifecycle: false,
    });
    stops.push(() => close(sqsServer));

    const xray = await startXrayReceiver({ file: options.xrayFile });
    stops.push(() => xray.stop());

    const region = 'us-east-1';
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
    const dynamo = new DynamoDBClient({ region, credentials, endpoint: dynamoEndpoint });
    await createBlacklistTable(dynamo);
    dynamo.destroy();
    const sqs = new SQSClient({ region, credentials, endpoint: sqsEndpoint });
    const { queueUrls, dlqUrls } = await createQueues(sqs);
    const s3Dir = options.dataDir ? join(dataDir, 's3') : await mkdtemp(join(tmpdir(), 'voice-campaign-s3-'));
    if (!options.dataDir) stops.push(() => rm(s3Dir, { recursive: true, force: true }));
    const s3 = await startS3(s3Dir, sqs, queueUrls.imports);
    stops.push(async () => {
      await s3.stop();
      sqs.destroy();
    });

    return {
      env: {
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_ENDPOINT_URL_SQS: sqsEndpoint,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        IMPORT_BUCKET: IMPORT_BUCKET.name,
        MODEL_BUCKET: MODEL_BUCKET.name,
        IMPORTS_QUEUE_URL: queueUrls.imports,
        AWS_XRAY_DAEMON_ADDRESS: xray.address,
        DATABASE_URL: postgres.url,
        BLACKLIST_TABLE: BLACKLIST_TABLE.name,
        DIAL_TASKS_QUEUE_URL: queueUrls.dialTasks,
        CAMPAIGN_TICKS_QUEUE_URL: queueUrls.campaignTicks,
        ASTERISK_CALLS_QUEUE_URL: queueUrls.asteriskCalls,
        CALL_RESULTS_QUEUE_URL: queueUrls.callResults,
      },
      queueUrls,
      dlqUrls,
      databaseUrl: postgres.url,
      postgresDataDir: postgres.dataDir,
      xray,
      async restartPostgres(downMs = 0) {
        await postgres.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        postgres = await startPostgres({ ...postgresOptions, dataDir: postgres.dataDir });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
