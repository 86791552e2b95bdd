/**
 * The X-Ray middleware through the real middy() and the real X-Ray SDK in Lambda mode; assertions are on the
 * documents the SDK sends over UDP to a local receiver.
 */
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startXrayReceiver } from '../../../local/xrayReceiver.ts';
import {
  childrenOf,
  inTrace,
  lambdaContext,
  named,
  newTrace,
  rootOf,
  traceOf,
  useLambdaTracing,
} from '../../helpers/lambda.ts';

const receiver = await startXrayReceiver();
useLambdaTracing(receiver.address);
process.env.STAGE = 'test';
process.env.SERVICE_NAME = 'voice-campaign';

const { default: middy } = await import('@middy/core');
const { tracedChain } = await import('../../../src/middleware/tracedChain.ts');
const { tracingMiddleware, xrayPlugin } = await import('../../../src/middleware/xray.ts');
const { traced, currentSpan, MAX_ANNOTATIONS_PER_TRACE } = await import('../../../src/lib/tracing.ts');
const { ValidationError, ServiceError } = await import('../../../src/lib/errors.ts');

interface Event {
  campaignId?: string;
  userId?: string;
  fail?: number;
}

const context = lambdaContext('example');
const options = {
  name: 'example',
  campaignId: (event: Event) => event.campaignId,
  userId: (event: Event) => event.userId,
};

const rootIn = async (traceId: string) => rootOf(await traceOf(receiver, traceId, 'example'), 'example');

afterAll(() => receiver.stop());

describe('xray middleware', () => {
  beforeEach(() => {
    receiver.clear();
  });

  it.each([
    ['a campaign id out of its schema', { campaignId: "c-1' OR 1=1", userId: 'u-1' }, ['userId']],
    ['a phone number given as the user', { campaignId: 'c-1', userId: '+12025550143' }, ['campaignId']],
    ['an over-long campaign id', { campaignId: 'c'.repeat(65), userId: 'u-1' }, ['userId']],
  ])('annotates the root only with values of the expected form, not %s', async (_, event, kept) => {
    // Prepare
    const handler = tracedChain<Event, string>(options, [], async () => 'done');
    const traceId = newTrace();

    // Act
    await handler(event, context);

    // Assess
    const root = await rootIn(traceId);
    const annotated = Object.keys(root.annotations ?? {}).filter(
      (key) => key === 'campaignId' || key === 'userId',
    );
    expect(annotated).toEqual(kept);
    expect(JSON.stringify(root)).not.toContain('2025550143');
  });

  it('traces outbound fetch calls of a function that asks for it, as subsegments of its root', async () => {
    // Prepare: an HTTP server on loopback, and a function that calls it with fetch
    const { createServer } = await import('node:http');
    const server = createServer((_, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const { traceOutboundFetch } = await import('../../../src/lib/tracing.ts');
    traceOutboundFetch();
    const handler = tracedChain<Event, string>(options, [], async () => {
      await (await fetch(`http://127.0.0.1:${port}/jwks.json`)).text();
      return 'done';
    });
    const traceId = newTrace();

    // Act
    await handler({ campaignId: 'c-1' }, context);
    server.close();

    // Assess
    const root = await rootIn(traceId);
    const docs = await receiver.waitFor((all) => childrenOf(inTrace(all, traceId), root).length > 0);
    const [call] = childrenOf(inTrace(docs, traceId), root);
    expect(call?.name).toBe('127.0.0.1');
    expect(JSON.stringify(call)).toContain(`/jwks.json`);
  });

  it('opens a root subsegment named after the function, annotated, and current for the handler', async () => {
    // Prepare
    const handler = tracedChain<Event, string>(options, [], async () => {
      await traced('Work', async () => {});
      return 'done';
    });
    const traceId = newTrace();

    // Act
    const result = await handler({ campaignId: 'c-1', userId: 'u-1' }, context);

    // Assess
    expect(result).toBe('done');
    const root = await rootIn(traceId);
    expect(root.annotations).toMatchObject({
      campaignId: 'c-1',
      userId: 'u-1',
      environment: 'test',
      service: 'voice-campaign',
      coldStart: expect.any(Boolean),
    });
    expect(root.in_progress).toBeUndefined();
    expect(root.end_time).toBeGreaterThanOrEqual(root.start_time);
    const docs = await receiver.waitFor((all) => named(all, 'Work').length === 1);
    expect(childrenOf(docs, root).map((doc) => doc.name)).toEqual(['Work']);
    expect(root.error ?? root.fault ?? false).toBe(false);
  });

  it('annotates coldStart true on the first invocation of an instance only', async () => {
    // Prepare
    const handler = tracedChain<Event, string>(options, [], async () => 'ok');
    const second = newTrace();

    // Act
    await handler({}, context);

    // Assess: the first test's invocation was the cold start of this module instance.
    expect((await rootIn(second)).annotations?.coldStart).toBe(false);
  });

  it.each([
    [new ValidationError('bad input'), { error: true }],
    [new ServiceError('slow down', 429), { error: true, throttle: true }],
    [new ServiceError('database down', 503), { fault: true }],
    [new Error('unexpected'), { fault: true }],
  ])('records %p with the flags X-Ray gives its status, and rethrows', async (thrown, flags) => {
    // Prepare
    const handler = tracedChain<Event, string>(options, [], async () => {
      throw thrown;
    });
    const traceId = newTrace();

    // Act
    const outcome = handler({ campaignId: 'c-err' }, context);

    // Assess
    await expect(outcome).rejects.toBe(thrown);
    const root = await rootIn(traceId);
    expect({ error: root.error, fault: root.fault, throttle: root.throttle }).toEqual({
      error: undefined,
      fault: undefined,
      throttle: undefined,
      ...flags,
    });
    expect(root.cause?.exceptions?.[0]?.message).toBe(thrown.message);
    expect(root.in_progress).toBeUndefined();
  });

  it('uses the status an error handler answered with', async () => {
    // Prepare: an error handler after the X-Ray middleware turns the error into a 404 response.
    const errorHandler = {
      onError: (request: { response: unknown }) => {
        request.response = { statusCode: 404, body: '{"message":"Not found"}' };
      },
    };
    const handler = tracedChain<Event, { statusCode: number }>(
      { ...options, responseStatus: (response) => response.statusCode },
      [errorHandler],
      async () => {
        throw new Error('lookup failed');
      },
    );
    const traceId = newTrace();

    // Act
    const response = await handler({}, context);

    // Assess
    expect(response.statusCode).toBe(404);
    const root = await rootIn(traceId);
    expect(root.error).toBe(true);
    expect(root.fault).toBeUndefined();
  });

  it('marks a successful response by its status (5xx fault, 429 throttle)', async () => {
    // Prepare
    const handler = tracedChain<Event, { statusCode: number }>(
      { ...options, responseStatus: (response) => response.statusCode },
      [],
      async (event) => ({ statusCode: event.fail ?? 200 }),
    );
    const faultTrace = newTrace();
    await handler({ fail: 502 }, context);
    const throttleTrace = newTrace();

    // Act
    await handler({ fail: 429 }, context);

    // Assess
    expect((await rootIn(faultTrace)).fault).toBe(true);
    const throttled = await rootIn(throttleTrace);
    expect(throttled.throttle).toBe(true);
    expect(throttled.error).toBe(true);
  });

  it('closes the root subsegment when a later middleware returns early', async () => {
    // Prepare: the early return skips every `after`; the plugin's requestEnd closes the subsegment.
    const earlyReturn = { before: () => 'from cache' };
    const handler = middy<Event, string>(async () => 'from handler', xrayPlugin)
      .use(tracingMiddleware(options))
      .use(earlyReturn);
    const traceId = newTrace();

    // Act
    const result = await handler({ campaignId: 'c-early' }, context);

    // Assess
    expect(result).toBe('from cache');
    const root = await rootIn(traceId);
    expect(root.annotations?.campaignId).toBe('c-early');
    expect(root.end_time).toBeDefined();
  });

  it('never fails a request because of tracing: a failing extractor loses only its annotation', async () => {
    // Prepare
    const handler = tracedChain<Event, string>(
      {
        name: 'example',
        campaignId: () => {
          throw new Error('extractor bug');
        },
      },
      [],
      async () => 'ok',
    );
    const traceId = newTrace();

    // Act
    const result = await handler({}, context);

    // Assess
    expect(result).toBe('ok');
    const root = await rootIn(traceId);
    expect(root.annotations?.campaignId).toBeUndefined();
    expect(root.annotations?.environment).toBe('test');
  });

  it('keeps two invocations running at once apart: children and annotations stay with their own root', async () => {
    // Prepare: each handler opens a child, waits for the other to start, then opens a second child.
    let release: () => void = () => {};
    const bothStarted = new Promise<void>((resolve) => {
      let started = 0;
      release = () => {
        started += 1;
        if (started === 2) resolve();
      };
    });
    const handler = tracedChain<Event, string>(options, [], async (event) => {
      await traced(`First-${event.campaignId}`, async () => {
        release();
        await bothStarted;
      });
      await traced(`Second-${event.campaignId}`, async (span) =>
        span.annotate('step', String(event.campaignId)),
      );
      return String(event.campaignId);
    });
    const traceId = newTrace();

    // Act
    const results = await Promise.all([
      handler({ campaignId: 'A', userId: 'user-a' }, context),
      handler({ campaignId: 'B', userId: 'user-b' }, context),
    ]);

    // Assess
    expect(results).toEqual(['A', 'B']);
    const docs = inTrace(await receiver.waitFor((all) => all.length >= 6), traceId);
    for (const campaign of ['A', 'B']) {
      const root = docs.find((doc) => doc.name === 'example' && doc.annotations?.campaignId === campaign);
      expect(root?.annotations?.userId).toBe(`user-${campaign.toLowerCase()}`);
      const children = root ? childrenOf(docs, root) : [];
      expect(children.map((doc) => doc.name).sort()).toEqual([`First-${campaign}`, `Second-${campaign}`]);
      expect(children.find((doc) => doc.name.startsWith('Second'))?.annotations).toEqual({ step: campaign });
    }
  });

  it('sends nothing for an unsampled trace, and the handler still runs', async () => {
    // Prepare
    const handler = tracedChain<Event, string>(options, [], async () => {
      await traced('Work', async () => {});
      return 'ok';
    });
    const traceId = newTrace(false);

    // Act
    const result = await handler({ campaignId: 'c-unsampled' }, context);

    // Assess
    expect(result).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(inTrace(receiver.documents(), traceId)).toEqual([]);
  });

  it(`keeps at most ${MAX_ANNOTATIONS_PER_TRACE} annotations in a trace, with valid keys; the rest become metadata`, async () => {
    // Prepare
    const handler = tracedChain<Event, string>(options, [], async () => {
      for (let i = 0; i < 60; i += 1) currentSpan().annotate(`key-${i}`, i);
      return 'ok';
    });
    const traceId = newTrace();

    // Act
    await handler({ campaignId: 'c-budget', userId: 'u' }, context);

    // Assess
    const root = await rootIn(traceId);
    const keys = Object.keys(root.annotations ?? {});
    expect(keys).toHaveLength(MAX_ANNOTATIONS_PER_TRACE);
    expect(keys.every((key) => /^[A-Za-z0-9_]+$/.test(key))).toBe(true);
    expect(root.annotations?.key_0).toBe(0);
    expect(Object.keys(root.metadata?.annotations_over_budget ?? {})).toHaveLength(
      65 - MAX_ANNOTATIONS_PER_TRACE,
    );
  });
});
