/**
 * The dialer per tracing backend (bench/dialerChild.ts, each in a process and on an embedded stack of its own): trace
 * volume of a sampled batch of 10; 10,000 tasks batched against one per invocation, against the I/O floor and against
 * the dialer's own statements sent bare; then 10,000 of their results recorded in batches against the previous
 * design's statements and against the result worker's own statements sent bare.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..');

export async function measureDialer(options: { tasks?: number; rounds?: number } = {}) {
  const tasks = options.tasks ?? 10_000;
  const rounds = options.rounds ?? 7;
  const out: Record<
    string,
    { traceVolume: Record<string, number>; dialer: Record<string, unknown>; results: Record<string, unknown> }
  > = {};
  for (const backend of ['xray', 'opentelemetry'] as const) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        ...(backend === 'opentelemetry' ? ['--conditions=tracing-opentelemetry'] : []),
        join(ROOT, 'bench', 'dialerChild.ts'),
        String(tasks),
        String(rounds),
      ],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    out[backend] = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
  }
  return {
    traceVolume: { xray: out.xray?.traceVolume, opentelemetry: out.opentelemetry?.traceVolume },
    // The dialer's own figures with the default backend; the other's are in its traceVolume run.
    dialer: { ...out.xray?.dialer, openTelemetry: out.opentelemetry?.dialer },
    results: { ...out.xray?.results, openTelemetry: out.opentelemetry?.results },
  };
}

if (import.meta.main) {
  const quick = process.argv.includes('--quick');
  console.log(JSON.stringify(await measureDialer(quick ? { tasks: 1_000, rounds: 3 } : {}), null, 2));
}
