import { describe, expect, it } from '@jest/globals';
import {
  buildTraces,
  duration,
  filterTraces,
  flatten,
  idleTick,
  keyFacts,
  marks,
  parseDocuments,
  timelineLine,
} from '../../../local/traceModel.ts';

const doc = (id: string, trace: string, name: string, start: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, trace_id: trace, name, start_time: start, end_time: start + 0.01, ...extra });

const ndjson = [
  doc('a1', 'T1', 'dialerWorker', 10, {
    parent_id: 'facade',
    annotations: { campaignId: 'demo', userId: 'u1' },
  }),
  doc('a2', 'T1', 'ProcessDialTask', 10.001, {
    parent_id: 'a1',
    metadata: { default: { outcome: 'initiated' } },
  }),
  doc('a3', 'T1', 'InitiateCall', 10.002, { parent_id: 'a2', fault: true }),
  doc('b1', 'T2', 'startCampaign', 20, {
    annotations: { campaignId: 'other' },
    subsegments: [{ id: 'b2', name: 'LoadCampaign', start_time: 20.001, end_time: 20.002, error: true }],
  }),
  '{"torn": ',
].join('\n');

describe('local trace model', () => {
  it('reads documents, nested subsegments included, and skips a torn line', () => {
    const docs = parseDocuments(ndjson);
    expect(docs.map((d) => d.id)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    expect(docs.find((d) => d.id === 'b2')).toMatchObject({ parent_id: 'b1', trace_id: 'T2' });
  });

  it('nests subsegments as X-Ray does and orders them by start', () => {
    const [trace] = buildTraces(parseDocuments(ndjson)).filter((t) => t.id === 'T1');
    expect(trace && flatten(trace).map((node) => `${node.depth}:${node.doc.name}`)).toEqual([
      '0:dialerWorker',
      '1:ProcessDialTask',
      '2:InitiateCall',
    ]);
  });

  it('filters as filter expressions would: campaign, errors, function; most recent first', () => {
    const traces = buildTraces(parseDocuments(ndjson));
    expect(filterTraces(traces, {}).map((t) => t.id)).toEqual(['T2', 'T1']);
    expect(filterTraces(traces, { campaignId: 'demo' }).map((t) => t.id)).toEqual(['T1']);
    expect(filterTraces(traces, { errorsOnly: true }).map((t) => t.id)).toEqual(['T2', 'T1']);
    expect(filterTraces(traces, { functionName: 'startCampaign' }).map((t) => t.id)).toEqual(['T2']);
    expect(filterTraces(traces, { limit: 1 }).map((t) => t.id)).toEqual(['T2']);
  });

  it('shows the key annotations, the outcome and the flags', () => {
    const docs = parseDocuments(ndjson);
    expect(keyFacts(docs[0] ?? ({} as never))).toBe('campaignId=demo userId=u1');
    expect(keyFacts(docs[1] ?? ({} as never))).toBe('outcome=initiated');
    expect(marks(docs[2] ?? ({} as never))).toEqual(['fault']);
    expect(marks(docs[4] ?? ({} as never))).toEqual(['error']);
  });

  it('puts a trace on one timeline line: when, its functions and invocations, its length, its marks', () => {
    const linked = [
      doc('s1', 'T3', 'scheduler', 30, { parent_id: 'facade-1' }),
      doc('d1', 'T3', 'dialerWorker', 30.5, { parent_id: 'facade-2' }),
      doc('d2', 'T3', 'dialerWorker', 30.6, { parent_id: 'facade-3', error: true }),
    ].join('\n');
    const [trace] = buildTraces(parseDocuments(linked));
    expect(trace && timelineLine(trace)).toBe(
      '1970-01-01T00:00:30.000Z  scheduler, dialerWorker x2  610.0 ms [error]',
    );
  });

  it('writes a span’s length to the hundredth of a millisecond below 10 ms, and a zero length as under 1 ms', () => {
    expect(duration(10, 10.6104)).toBe('610.4 ms');
    expect(duration(10, 10.00042)).toBe('0.42 ms');
    // The X-Ray SDK stamps to the millisecond: a shorter span starts and ends on one stamp
    expect(duration(10, 10)).toBe('<1 ms');
  });

  it('tells a tick that released nothing from one that released, or failed', () => {
    // The scheduler's fan-out, and a campaign ticker's group in the same trace.
    const tick = (trace: string, released: number, extra: Record<string, unknown> = {}) =>
      [
        doc(`${trace}-r`, trace, 'scheduler', 40, { parent_id: 'facade' }),
        doc(`${trace}-t`, trace, 'campaignTicker', 40.01, { parent_id: 'facade-t' }),
        doc(`${trace}-c`, trace, 'ScheduleCampaign', 40.011, {
          parent_id: `${trace}-t`,
          metadata: { default: { tick: { released } } },
          ...extra,
        }),
      ].join('\n');
    const dialled = [tick('D', 0), doc('D-d', 'D', 'dialerWorker', 41, { parent_id: 'facade-d' })].join('\n');
    const traces = buildTraces(
      parseDocuments([tick('I', 0), tick('R', 5), tick('F', 0, { fault: true }), dialled].join('\n')),
    );
    expect(Object.fromEntries(traces.map((t) => [t.id, idleTick(t)]))).toEqual({
      I: true,
      R: false,
      F: false,
      D: false,
    });
  });
});
