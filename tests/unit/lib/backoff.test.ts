/** The retry helpers: a batch's pending part tried again, and a failed call tried again, each within its tries. */
import { describe, expect, it } from '@jest/globals';
import { retrying, retryPending } from '../../../src/lib/backoff.ts';

const fast = { attempts: 3, baseDelayMs: 1 };

describe('retryPending', () => {
  it('tries what is still pending until nothing is, and answers what is left once the tries are spent', async () => {
    const seen: number[][] = [];
    const left = await retryPending(
      [1, 2, 3, 4],
      async (pending) => {
        seen.push([...pending]);
        return pending.slice(1);
      },
      fast,
    );
    expect(seen).toEqual([
      [1, 2, 3, 4],
      [2, 3, 4],
      [3, 4],
    ]);
    expect(left).toEqual([4]);
    // Nothing pending: never called
    expect(await retryPending([], async () => [1], fast)).toEqual([]);
  });
});

describe('retrying', () => {
  it('answers the first success, and throws the last error when the tries are spent or a retry is not allowed', async () => {
    let calls = 0;
    expect(
      await retrying(async () => (++calls < 3 ? Promise.reject(new Error(`try ${calls}`)) : 'ok'), fast),
    ).toBe('ok');
    calls = 0;
    await expect(retrying(async () => Promise.reject(new Error(`try ${++calls}`)), fast)).rejects.toThrow(
      'try 3',
    );
    calls = 0;
    await expect(
      retrying(
        async () => Promise.reject(new Error(`try ${++calls}`)),
        fast,
        () => false,
      ),
    ).rejects.toThrow('try 1');
  });
});
