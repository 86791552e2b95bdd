/**
 * Exception types survive the bundle: a function built as serverless.yml builds it (minified, scripts/esbuildOptions.ts)
 * for each tracing backend, run in a process of its own in X-Ray's Lambda mode with its database out of reach, records
 * the failed step's exception under its class's own name in the documents it sends (X-Ray groups and filters errors
 * by that type).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { newTraceHeader } from '../../../local/lambdaRuntime.ts';
import { startXrayReceiver } from '../../../local/xrayReceiver.ts';
import { functionBuildOptions } from '../../../scripts/esbuildOptions.ts';
import { apiEvent } from '../../helpers/apiGateway.ts';
import { inTrace, named } from '../../helpers/lambda.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const tracingConditions = createRequire(import.meta.url)('../../../config/tracing.cjs') as (variables: {
  resolveVariable(name: string): Promise<string>;
}) => Promise<{ conditions: string[] }>;

const receiver = await startXrayReceiver();
const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-names-'));
afterAll(async () => {
  await receiver.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the bundle's handler once on `event` in a fresh Node process, as Lambda would; answers its response. */
async function invoke(bundle: string, event: unknown, traceHeader: string): Promise<{ statusCode: number }> {
  const script = `
    const { handler } = require(process.argv[1]);
    const context = { functionName: 'campaignMetrics', awsRequestId: 'r-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:campaignMetrics', getRemainingTimeInMillis: () => 10000 };
    handler(JSON.parse(process.argv[2]), context).then((answer) => {
      process.stdout.write(JSON.stringify(answer));
      setTimeout(() => process.exit(0), 300);
    });`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-e', script, bundle, JSON.stringify(event)],
    {
      env: {
        PATH: process.env.PATH,
        STAGE: 'test',
        SERVICE_NAME: 'voice-campaign',
        AWS_REGION: 'us-east-1',
        LAMBDA_TASK_ROOT: dir,
        AWS_XRAY_DAEMON_ADDRESS: receiver.address,
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
        _X_AMZN_TRACE_ID: traceHeader,
        // Nothing listens there: the step that reads the database fails.
        DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
        POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      },
    },
  );
  return JSON.parse(stdout);
}

describe('exception types in a packaged function', () => {
  it("keep every error class's name in a minified bundle", async () => {
    // Prepare: every error class the service declares (src/), bundled and minified as the functions are.
    const sources = (await readdir(join(ROOT, 'src'), { recursive: true })).filter((file) =>
      file.endsWith('.ts'),
    );
    const declared: Array<{ file: string; name: string }> = [];
    for (const file of sources) {
      const text = await readFile(join(ROOT, 'src', file), 'utf8');
      for (const match of text.matchAll(/^export class (\w+) extends \w*Error\b/gm))
        declared.push({ file, name: match[1] ?? '' });
    }
    const bundle = join(dir, 'errors.cjs');
    await build({
      ...functionBuildOptions([]),
      stdin: {
        contents: declared.map(({ file, name }) => `export { ${name} } from './src/${file}';`).join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      outfile: bundle,
      logLevel: 'silent',
    });

    // Act: one of each, made from the minified classes.
    type ErrorClass = new (...args: string[]) => Error;
    const classes = createRequire(import.meta.url)(bundle) as Record<string, ErrorClass>;
    const names = Object.fromEntries(
      declared.map(({ name }) => [name, new (classes[name] as ErrorClass)('a', 'b').name]),
    );

    // Assess: each is named as its class is, not as the minifier renamed it.
    expect(declared.length).toBeGreaterThanOrEqual(9);
    expect(names).toEqual(Object.fromEntries(declared.map(({ name }) => [name, name])));
  });

  it.each(['xray', 'opentelemetry'])('keep their class names with the %s backend', async (backend) => {
    // Prepare: campaignMetrics as packaged for this backend (minified).
    const { conditions } = await tracingConditions({ resolveVariable: async () => backend });
    const bundle = join(dir, `campaignMetrics-${backend}.cjs`);
    await build({
      entryPoints: [join(ROOT, 'src', 'functions', 'campaignMetrics.ts')],
      ...functionBuildOptions(conditions),
      outfile: bundle,
      logLevel: 'silent',
    });
    const { traceId, header } = newTraceHeader(true);

    // Act: the owner's request, with the database out of reach.
    const answer = await invoke(
      bundle,
      apiEvent({
        method: 'GET',
        resource: '/campaigns/{campaignId}/metrics',
        pathParameters: { campaignId: 'c-1' },
        userId: 'u-1',
      }),
      header,
    );

    // Assess: the failed step's exception is named as its class is (the root's is the HTTP answer's), not as the
    // minifier renamed it (`rn`).
    expect(answer.statusCode).toBe(503);
    const docs = inTrace(
      await receiver.waitFor((all) => named(inTrace(all, traceId), 'campaignMetrics').length === 1),
      traceId,
    );
    const typesOf = (name: string) =>
      named(docs, name).flatMap((doc) => (doc.cause?.exceptions ?? []).map((exception) => exception.type));
    expect(typesOf('LoadActivity')).toEqual(['DependencyError']);
    expect(typesOf('campaignMetrics')).toEqual(['ServiceUnavailableError']);
  });
});
