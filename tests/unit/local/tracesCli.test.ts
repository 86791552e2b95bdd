import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const SCRIPT = join(import.meta.dirname, '..', '..', '..', 'local', 'traces.ts');
const traces = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

describe('npm run traces', () => {
  it('prints its usage and exits 0 with --help', () => {
    // Act
    const run = traces('--help');

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run traces -- \[options\]/);
    expect(run.stdout).toContain('--limit N');
  });

  it.each([
    [['--limit', 'abc'], '--limit must be a whole number of traces, 1 or more; got "abc"'],
    [['--limit', '0'], '--limit must be a whole number of traces, 1 or more; got "0"'],
    [['--limit', '2.5'], '--limit must be a whole number of traces, 1 or more; got "2.5"'],
    [['--colour'], "Unknown option '--colour'"],
    [['demo'], "Unexpected argument 'demo'"],
  ])('refuses %j with a message and exit code 2', (args, message) => {
    // Act
    const run = traces(...args);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')[0]).toContain(message);
    expect(run.stdout).toBe('');
  });
});
