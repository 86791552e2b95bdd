import { describe, expect, it, jest } from '@jest/globals';
import { createLogView } from '../../../local/logView.ts';

const powertools = (fields: Record<string, unknown>) =>
  JSON.stringify({
    timestamp: '2026-12-02T05:00:00.000Z',
    service: 'voice-campaign',
    function_request_id: 'r-1',
    xray_trace_id: '1-6b0fa395-81284ffafdd3985079d18b36',
    function: 'dialerWorker',
    environment: 'local',
    ...fields,
  });

function viewed(verbose: boolean, lines: string[]): string[] {
  const out: string[] = [];
  const view = createLogView({
    verbose,
    write: (line) => out.push(line),
    now: () => new Date('2026-12-02T05:00:01Z'),
  });
  for (const line of lines) view.output(line);
  view.flush();
  return out;
}

const SAMPLE = [
  'Running Authorization function for put /blacklist/+12025550143 (λ: authorizer)',
  '(λ: authorizer) RequestId: 4e5d2aec  Duration: 201.18 ms  Billed Duration: 202 ms',
  'PUT /blacklist/+12025550143 (λ: blacklistAdd)',
  powertools({ level: 'INFO', message: 'Batch processed', received: 10, initiated: 9, duplicate: 1 }),
  powertools({ level: 'DEBUG', message: 'Caller verified', userId: 'demo-user' }),
  powertools({
    level: 'WARN',
    message: 'Dial task rejected',
    reason: 'phoneNumber +1 202 555 0143 is not valid',
  }),
  "× Unhandled exception in handler 'dialerWorker'.",
  '      at Object.verify (/work/main/src/services/tokenVerifier.ts:38:15)',
  '',
];

describe('the npm start log view', () => {
  it('shows a line per batch, warnings and errors, and drops the server’s bookkeeping by default', () => {
    // Act
    const out = viewed(false, SAMPLE);

    // Assess
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(
      /dialerWorker +WARN +Dial task rejected reason=phoneNumber \[redacted-number\] is not valid$/,
    );
    expect(out[1]).toBe("× Unhandled exception in handler 'dialerWorker'.");
    // The batch's line is written once its second is over
    expect(out[2]).toMatch(/dialerWorker +batch +received=10 initiated=9 duplicate=1$/);
  });

  it('writes a window’s line once the window is over: never two lines for one function and window', () => {
    jest.useFakeTimers({ now: new Date('2026-12-02T05:00:04Z') });
    try {
      const out: string[] = [];
      const view = createLogView({ verbose: false, write: (line) => out.push(line) });
      const batch = (received: number) =>
        view.output(powertools({ level: 'INFO', message: 'Batch processed', received }));

      // Act: a batch late in one window, three in the next, one of them after the first batch's 5 seconds
      batch(1);
      jest.advanceTimersByTime(2_000);
      batch(2);
      const afterFirstWindow = [...out];
      jest.advanceTimersByTime(3_500);
      batch(3);
      batch(4);
      const beforeSecondWindowEnds = out.length;
      jest.advanceTimersByTime(1_000);

      // Assess
      expect(afterFirstWindow).toEqual([expect.stringMatching(/^05:00:00 dialerWorker +batch +received=1$/)]);
      expect(beforeSecondWindowEnds).toBe(1);
      expect(out).toEqual([
        expect.stringMatching(/^05:00:00 dialerWorker +batch +received=1$/),
        expect.stringMatching(/^05:00:05 dialerWorker +3 batches received=9$/),
      ]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sums a function’s batches of a few seconds into one line, and leaves out ticks that released nothing', () => {
    const out = viewed(false, [
      powertools({ level: 'INFO', message: 'Batch processed', received: 10, initiated: 10 }),
      powertools({ level: 'INFO', message: 'Batch processed', received: 4, initiated: 3, duplicate: 1 }),
      powertools({ level: 'INFO', message: 'Run done', function: 'scheduler', released: 0, completed: [] }),
      powertools({ level: 'INFO', message: 'Run done', function: 'scheduler', released: 25, completed: [] }),
    ]);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/dialerWorker +2 batches received=14 initiated=13 duplicate=1$/);
    expect(out[1]).toMatch(/scheduler +batch +released=25$/);
  });

  it('writes large counts readably, never masked as if they were phone numbers', () => {
    const out = viewed(false, [
      powertools({
        level: 'INFO',
        message: 'Batch processed',
        received: 1,
        rows_read: 1_000_000,
        added: 999_990,
      }),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/received=1 rows_read=1,000,000 added=999,990$/);
  });

  it('shows every line with --verbose, and never a phone number either way', () => {
    // Act
    const verbose = viewed(true, SAMPLE);

    // Assess
    expect(verbose).toHaveLength(SAMPLE.length - 1);
    for (const line of [...verbose, ...viewed(false, SAMPLE)]) {
      expect(line).not.toMatch(/2025550143|202 555 0143/);
    }
  });

  it('writes request lines with the path masked and the status and duration kept', () => {
    // Prepare
    const out: string[] = [];
    const view = createLogView({ verbose: false, write: (line) => out.push(line) });

    // Act
    view.request({ method: 'PUT', path: '/blacklist/[redacted-number]', status: 201, ms: 364 });

    // Assess
    expect(out[0]).toMatch(/http +PUT +\/blacklist\/\[redacted-number\] 201 364 ms$/);
  });
});
