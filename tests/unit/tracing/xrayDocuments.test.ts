/**
 * The OpenTelemetry backend's exporter: OpenTelemetry SDK spans as X-Ray segment documents, received over UDP by the
 * local daemon stand-in. The spans are made by the real SDK with X-Ray's id generator, parented on a trace header as
 * the backend parents an invocation.
 */
import { afterAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { startXrayReceiver } from '../../../local/xrayReceiver.ts';
import { newTraceHeader } from '../../../src/lib/traceHeader.ts';
import { DaemonSender, daemonEndpoint } from '../../../src/lib/tracing/daemon.ts';
import { ATTR, InvocationSpanProcessor, segmentDocuments } from '../../../src/lib/tracing/xrayDocuments.ts';
import { segmentDocumentProblems } from '../../helpers/segmentRules.ts';

const receiver = await startXrayReceiver();
afterAll(() => receiver.stop());

/** Every datagram's document as sent, beside what the receiver flattens. */
const sent: string[] = [];
const sender = new DaemonSender(() => receiver.address);
const send = sender.send.bind(sender);
sender.send = (docs) => {
  sent.push(...docs);
  send(docs);
};
const tracer = new BasicTracerProvider({
  idGenerator: new AWSXRayIdGenerator(),
  spanProcessors: [new InvocationSpanProcessor((spans) => sender.send(segmentDocuments(spans)))],
}).getTracer('test');

function invocation() {
  const { traceId, header } = newTraceHeader();
  const context = new AWSXRayPropagator().extract(
    ROOT_CONTEXT,
    { 'x-amzn-trace-id': header },
    { get: (carrier, key) => carrier[key], keys: (carrier) => Object.keys(carrier) },
  );
  const root = tracer.startSpan('example', undefined, context);
  const child = (name: string, parent = root) =>
    tracer.startSpan(name, undefined, trace.setSpan(ROOT_CONTEXT, parent));
  return { traceId, parentId: /Parent=([0-9a-f]+)/.exec(header)?.[1], root, child };
}

beforeEach(() => {
  receiver.clear();
  sent.length = 0;
});

describe('X-Ray documents from OpenTelemetry spans', () => {
  it('sends an invocation as one document when its root ends, nested, under the Lambda segment', async () => {
    // Prepare
    const { traceId, parentId, root, child } = invocation();
    const task = child('ProcessDialTask');
    task.setAttribute(`${ATTR.annotation}contactId`, 'k-1');
    task.setAttribute(`${ATTR.metadata}default.outcome`, JSON.stringify({ result: 'dialled', at: 3 }));
    child('ValidateInput', task).end();
    task.end();

    // Act
    root.end();

    // Assess
    const docs = await receiver.waitFor((all) => all.length === 3);
    expect(sent).toHaveLength(1);
    expect(segmentDocumentProblems(sent[0] ?? '')).toEqual([]);
    const [top, ...nested] = docs;
    expect(top).toMatchObject({
      name: 'example',
      trace_id: traceId,
      parent_id: parentId,
      type: 'subsegment',
    });
    expect(nested.map((doc) => [doc.name, doc.parent_id])).toEqual([
      ['ProcessDialTask', top?.id],
      ['ValidateInput', nested[0]?.id],
    ]);
    expect(nested[0]?.annotations).toEqual({ contactId: 'k-1' });
    expect(nested[0]?.metadata).toEqual({ default: { outcome: { result: 'dialled', at: 3 } } });
  });

  it('splits a tree over the datagram limit into subtrees, each naming its parent', async () => {
    // Prepare: 40 tasks of 4 KB of metadata each, about 160 KB in all.
    const { traceId, root, child } = invocation();
    for (let i = 0; i < 40; i += 1) {
      const task = child(`Task${i}`);
      task.setAttribute(`${ATTR.metadata}default.blob`, JSON.stringify('x'.repeat(4000)));
      task.end();
    }

    // Act
    root.end();

    // Assess: every document keeps the rules (64 KB included), and the tree is whole.
    const docs = await receiver.waitFor((all) => all.length === 41);
    // As many tasks as fit stay in the root's document; the others go on their own.
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.length).toBeLessThan(30);
    for (const text of sent) expect(segmentDocumentProblems(text)).toEqual([]);
    const top = docs.find((doc) => doc.name === 'example');
    expect(docs.filter((doc) => doc.parent_id === top?.id)).toHaveLength(40);
    expect(docs.every((doc) => doc.trace_id === traceId)).toBe(true);
  });

  it('sends a span that ends after its root on its own, with its parent and trace', async () => {
    // Prepare
    const { traceId, root, child } = invocation();
    const late = child('LateWork');
    root.end();
    await receiver.waitFor((all) => all.length === 1);

    // Act
    late.end();

    // Assess
    const docs = await receiver.waitFor((all) => all.length === 2);
    const rootDoc = docs.find((doc) => doc.name === 'example');
    expect(docs.find((doc) => doc.name === 'LateWork')).toMatchObject({
      parent_id: rootDoc?.id,
      trace_id: traceId,
      type: 'subsegment',
    });
  });

  it('records an exception with its type, message and frames, as X-Ray lists them', async () => {
    // Prepare
    const { root } = invocation();
    const error = new TypeError('no such contact');
    root.addEvent('exception', {
      'exception.type': error.name,
      'exception.message': error.message,
      'exception.stacktrace': error.stack,
    });
    root.setAttribute(ATTR.fault, true);

    // Act
    root.end();

    // Assess
    const [doc] = await receiver.waitFor((all) => all.length === 1);
    const [exception] = doc?.cause?.exceptions ?? [];
    expect(doc?.fault).toBe(true);
    expect(exception).toMatchObject({ type: 'TypeError', message: 'no such contact' });
    const frames = (exception as { stack?: Array<{ path: string; line?: number }> }).stack ?? [];
    expect(frames[0]?.path).toContain('xrayDocuments.test.ts');
    expect(Number.isInteger(frames[0]?.line)).toBe(true);
  });
});

describe('the daemon address and a daemon that cannot be reached', () => {
  it.each([
    ['127.0.0.1:2000', { host: '127.0.0.1', port: 2000 }],
    ['tcp:169.254.79.129:2000 udp:169.254.79.129:2001', { host: '169.254.79.129', port: 2001 }],
    ['xray-daemon:3000', { host: 'xray-daemon', port: 3000 }],
  ])('reads %s', (address, endpoint) => {
    expect(daemonEndpoint(address)).toEqual(endpoint);
  });

  it('never throws and warns once when documents cannot be sent', async () => {
    // Prepare: a host name that does not resolve.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const unreachable = new DaemonSender(() => 'no-such-daemon.invalid:2000');

    // Act
    for (let i = 0; i < 3; i += 1) unreachable.send(['{"id":"0123456789abcdef","name":"x"}']);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('X-Ray documents could not be sent');
    warn.mockRestore();
  });
});
