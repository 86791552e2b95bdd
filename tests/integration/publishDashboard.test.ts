/**
 * publishDashboard against the S3 stand-in, answering a stack as CloudFormation asks it (a PUT to the request's
 * pre-signed URL, here a local server that keeps what it is sent): the built page and its config.json written with
 * their types, a stale file removed, the bucket emptied at the stack's deletion, and a failure answered with why.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { buildWeb } from '../../scripts/buildWeb.ts';
import { siteBucket } from '../../src/adapters/siteBucket.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';

const harness = await startSystemHarness();
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: process.env.AWS_ENDPOINT_URL_S3,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const BUCKET = 'dashboard-test';
await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
const filesDir = await mkdtemp(join(tmpdir(), 'voice-campaign-page-'));
await buildWeb(filesDir);

// The stack's side: every answer PUT to it, kept.
const answers: Array<{ path: string; body: Record<string, unknown> }> = [];
const stack = createServer((req: IncomingMessage, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  req.on('end', () => {
    answers.push({ path: req.url ?? '', body: JSON.parse(text) });
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => stack.listen(0, '127.0.0.1', resolve));
const responseUrl = `http://127.0.0.1:${(stack.address() as AddressInfo).port}/answer?X-Amz-Signature=x`;
afterAll(async () => {
  stack.close();
  await rm(filesDir, { recursive: true, force: true });
  await harness.stop();
});

const { build } = await import('../../src/functions/publishDashboard.ts');
const handler = build({
  bucketOf: (name) => siteBucket(s3, name),
  filesDir,
  logger: createLogger('publishDashboard'),
});

const event = (type: 'Create' | 'Update' | 'Delete', bucket = BUCKET) =>
  ({
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:publishDashboard',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/voice-campaign-prod/1',
    RequestId: `request-${answers.length}`,
    LogicalResourceId: 'DashboardFiles',
    ResourceType: 'Custom::DashboardFiles',
    ...(type === 'Create' ? {} : { PhysicalResourceId: `${bucket}/dashboard`, OldResourceProperties: {} }),
    ResourceProperties: {
      ServiceToken: 'x',
      Bucket: bucket,
      ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/',
      Region: 'eu-west-1',
      Version: '0123456789abcdef',
    },
  }) as CloudFormationCustomResourceEvent;

const keys = async () =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key).sort();

describe('publishDashboard', () => {
  it('writes the page and its config.json, removes what the page no longer has, and answers the stack', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'old.js', Body: 'stale' }));
    await handler(event('Create'), lambdaContext('publishDashboard'));
    expect(answers.at(-1)?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `${BUCKET}/dashboard`,
      LogicalResourceId: 'DashboardFiles',
      RequestId: 'request-0',
    });
    expect(await keys()).toEqual(['app.css', 'app.js', 'config.json', 'favicon.svg', 'index.html']);
    const page = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'index.html' }));
    expect(page.ContentType).toBe('text/html; charset=utf-8');
    expect(page.CacheControl).toBe('no-cache');
    const config = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'config.json' }));
    expect(JSON.parse((await config.Body?.transformToString()) ?? '')).toEqual({
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/',
      traces: { kind: 'xray', region: 'eu-west-1' },
    });
  });

  it('empties the bucket when the stack is deleted, and answers FAILED with why when it cannot write', async () => {
    await handler(event('Delete'), lambdaContext('publishDashboard'));
    expect(answers.at(-1)?.body).toMatchObject({ Status: 'SUCCESS' });
    expect(await keys()).toEqual([]);

    await handler(event('Update', 'no-such-bucket'), lambdaContext('publishDashboard'));
    expect(answers.at(-1)?.body).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/NoSuchBucket/),
    });
    // Deleting a stack whose bucket is gone goes on.
    await handler(event('Delete', 'no-such-bucket'), lambdaContext('publishDashboard'));
    expect(answers.at(-1)?.body).toMatchObject({ Status: 'SUCCESS' });
  });
});
