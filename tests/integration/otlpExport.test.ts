/**
 * The OpenTelemetry backend's OTLP exporter, against a local OTLP/HTTP receiver started by the test: a tick and the
 * dial batch it released sent as OTLP (JSON, then protobuf) in one trace carried through SQS, each request signed with
 * SigV4 for X-Ray (checked by signing the received request again), annotations listed as X-Ray's OTLP ingestion reads
 * them, no number in any request, nothing sent to the daemon meanwhile; an endpoint out of reach fails no invocation.
 * Run by the OpenTelemetry project only (jest.config.js): the X-Ray SDK backend has no OTLP exporter.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { queueRef, receiveEvent } from '../../local/sqsLambda.ts';
import { type Contact, phoneNumberFor, startSystemHarness } from '../helpers/systemHarness.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const received: Received[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const port = (receiver.address() as AddressInfo).port;

const harness = await startSystemHarness({
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
  OTLP_SIGV4_REGION: 'us-east-1',
});
const { resetConfigCache } = await import('../../src/lib/config.ts');

afterAll(async () => {
  await harness.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

interface ResourceSpans {
  resource: { attributes: OtlpSpan['attributes'] };
  scopeSpans: Array<{ spans: OtlpSpan[] }>;
}

/** The resource spans of the JSON requests received so far. */
const jsonRequests = (): ResourceSpans[] =>
  received
    .filter((r) => r.headers['content-type'] === 'application/json')
    .flatMap(
      (r) => (JSON.parse(r.body.toString('utf8')) as { resourceSpans: ResourceSpans[] }).resourceSpans,
    );

/** The spans of the JSON requests received so far. */
const jsonSpans = (): OtlpSpan[] => jsonRequests().flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

const attribute = (span: OtlpSpan | undefined, key: string) =>
  span?.attributes.find((a) => a.key === key)?.value;

/** `1-<8 hex>-<24 hex>` as OTLP's 32 hex digits. */
const otlpTraceId = (xrayTraceId: string) => xrayTraceId.split('-').slice(1).join('');

async function waitForSpan(predicate: (spans: OtlpSpan[]) => boolean): Promise<OtlpSpan[]> {
  for (let i = 0; i < 100; i += 1) {
    const spans = jsonSpans();
    if (predicate(spans)) return spans;
    await sleep(50);
  }
  throw new Error(`OTLP spans not received: ${jsonSpans().map((s) => s.name)}`);
}

const tasksOf = (campaignId: string, contacts: Contact[]) =>
  contacts.map((contact) => ({
    campaignId,
    contactId: contact.id,
    attempt: 1,
    phoneNumber: contact.phoneNumber,
    userId: 'user-otlp',
  }));

describe('the OTLP exporter', () => {
  it('sends a tick and the dial batch it released as OTLP, signed for X-Ray, the trace carried through SQS', async () => {
    // Prepare
    const contacts = await harness.seedCampaign('c-otlp', 'user-otlp', 3, 9100);

    // Act: the minute's tick releases the contacts; the dialer takes their tasks as the queue's mapping gives them
    const tick = await harness.tick();
    const event = await receiveEvent(harness.sqs, queueRef(harness.stack.queueUrls.dialTasks), 10, 1);
    if (event === undefined) throw new Error('no dial task released');
    const run = await harness.runBatch(event);

    // Assess: the tick's functions in its trace; each task carries the trace and the span that sent it (SQS's
    // AWSTraceHeader, which Lambda continues), and the dialer's spans are in its invocation's trace
    const tickTrace = otlpTraceId(tick.traceId);
    const runTrace = otlpTraceId(run.traceId);
    const spans = await waitForSpan((all) =>
      all.some((s) => s.name === 'dialerWorker' && s.traceId === runTrace),
    );
    const names = (trace: string) => spans.filter((s) => s.traceId === trace).map((s) => s.name);
    expect(names(tickTrace)).toEqual(
      expect.arrayContaining(['scheduler', 'campaignTicker', 'ReleaseContacts']),
    );
    expect(names(runTrace)).toEqual(
      expect.arrayContaining(['dialerWorker', 'ProcessDialTask', 'InitiateCall']),
    );
    expect(event.Records).toHaveLength(3);
    for (const record of event.Records) {
      const [, root, parent] =
        /^Root=([^;]+);Parent=([0-9a-f]{16})/.exec(record.attributes.AWSTraceHeader ?? '') ?? [];
      expect(root).toBe(tick.traceId);
      expect(spans.some((s) => s.traceId === tickTrace && s.spanId === parent)).toBe(true);
    }
    expect(run.response.batchItemFailures).toEqual([]);
    // Every span of the service, named as X-Ray's service map shows it
    for (const { resource } of jsonRequests())
      expect(resource.attributes).toContainEqual({
        key: 'service.name',
        value: { stringValue: 'voice-campaign' },
      });
    // The annotations under their own keys, listed for X-Ray's OTLP ingestion
    const task = spans.find((s) => s.traceId === runTrace && s.name === 'ProcessDialTask');
    expect(attribute(task, 'campaignId')).toEqual({ stringValue: 'c-otlp' });
    const listed = attribute(task, 'aws.xray.annotations') as { arrayValue: { values: unknown[] } };
    expect(listed.arrayValue.values).toContainEqual({ stringValue: 'campaignId' });
    // Never a number
    for (const contact of contacts)
      for (const request of received) expect(request.body.includes(contact.phoneNumber.slice(2))).toBe(false);
    // Nothing of these traces to the daemon: the exporter replaces it
    await sleep(200);
    const daemonDocs = harness.stack.xray.documents();
    expect(daemonDocs.filter((doc) => [tick.traceId, run.traceId].includes(String(doc.trace_id)))).toEqual(
      [],
    );

    // Assess: each request signed for X-Ray in us-east-1 with the function's credentials: signed again, the same
    const signer = new SignatureV4({
      service: 'xray',
      region: 'us-east-1',
      credentials: {
        accessKeyId: String(process.env.AWS_ACCESS_KEY_ID),
        secretAccessKey: String(process.env.AWS_SECRET_ACCESS_KEY),
      },
      sha256: Hash.bind(null, 'sha256'),
    });
    expect(received.length).toBeGreaterThan(2);
    for (const request of received) {
      const authorization = String(request.headers.authorization);
      expect(authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/xray\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/,
      );
      const stamp = String(request.headers['x-amz-date']);
      const signingDate = new Date(
        `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
      );
      const again = await signer.sign(
        {
          method: 'POST',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port,
          path: '/v1/traces',
          query: {},
          headers: {
            host: `127.0.0.1:${port}`,
            'content-type': String(request.headers['content-type']),
            'content-length': String(request.body.byteLength),
          },
          body: new Uint8Array(request.body),
        },
        { signingDate },
      );
      expect(again.headers.authorization).toBe(authorization);
    }
  });

  it('writes protobuf when asked, and an endpoint out of reach fails no invocation', async () => {
    // Prepare: protobuf
    process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL = 'http/protobuf';
    resetConfigCache();
    const contacts = await harness.seedCampaign('c-otlp-proto', 'user-otlp', 2, 9200);
    const before = received.length;

    // Act
    await harness.enqueue(tasksOf('c-otlp-proto', contacts));
    const run = await harness.runBatch();

    // Assess: a protobuf request holding the invocation's trace id (16 bytes) and its spans' names
    const requests = received.slice(before);
    expect(requests.map((r) => r.headers['content-type'])).toEqual(['application/x-protobuf']);
    const body = requests[0]?.body ?? Buffer.alloc(0);
    expect(body.includes(Buffer.from(otlpTraceId(run.traceId), 'hex'))).toBe(true);
    expect(body.includes(Buffer.from('ProcessDialTask'))).toBe(true);
    expect(body.includes(Buffer.from(phoneNumberFor(9200).slice(2)))).toBe(false);

    // Prepare: an endpoint nothing listens on
    receiver.closeAllConnections();
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = 'http://127.0.0.1:9/v1/traces';
    resetConfigCache();
    const more = await harness.seedCampaign('c-otlp-down', 'user-otlp', 2, 9300);
    await harness.enqueue(tasksOf('c-otlp-down', more));

    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});

    // Act: two invocations
    const down = await harness.runBatch();
    await harness.enqueue(tasksOf('c-otlp-down', more).map((task) => ({ ...task, attempt: 2 })));
    await harness.runBatch();

    // Assess: the batch processed, the calls sent, the failure written to the log once
    expect(down.response.batchItemFailures).toEqual([]);
    const calls = (await harness.callMessages()).filter((call) => call.campaignId === 'c-otlp-down');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(warn.mock.calls.map(([line]) => String(line))).toEqual([
      expect.stringContaining('Spans could not be sent to the OTLP endpoint'),
    ]);
    warn.mockRestore();
  });
});
