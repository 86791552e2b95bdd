/** The functions' clock: the system's, or on the local stack one that runs faster from a chosen instant. */
import { describe, expect, it } from '@jest/globals';
import { clockOf } from '../../../src/lib/clock.ts';

describe('clockOf', () => {
  it('is the system clock at scale 1 with no start', () => {
    // Act
    const read = clockOf({ scale: 1, originMs: 0 })().getTime();

    // Assess
    expect(Math.abs(read - Date.now())).toBeLessThan(1_000);
  });

  it('starts at the chosen instant and runs `scale` times faster from the origin', () => {
    // Prepare: the origin was 2 real seconds ago, the clock started at 13 March 2027 05:00 UTC, 1,000 times faster
    const origin = Date.now() - 2_000;
    const start = Date.parse('2027-03-13T05:00:00Z');

    // Act
    const read = clockOf({ scale: 1_000, originMs: origin, startMs: start })().getTime();

    // Assess: about 2,000 simulated seconds on (the test's own time adds a little)
    expect(read - start).toBeGreaterThanOrEqual(2_000_000);
    expect(read - start).toBeLessThan(2_500_000);
  });

  it('starts at the chosen instant at real speed when only a start is given', () => {
    const start = Date.parse('2027-03-26T14:00:00Z');
    const read = clockOf({ scale: 1, originMs: Date.now(), startMs: start })().getTime();
    expect(read - start).toBeGreaterThanOrEqual(0);
    expect(read - start).toBeLessThan(1_000);
  });
});
