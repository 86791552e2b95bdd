import { describe, expect, it } from '@jest/globals';
import {
  chunkEntries,
  SEND_BATCH_MAX_BYTES,
  SEND_BATCH_MAX_ENTRIES,
} from '../../../src/adapters/messageQueue.ts';

describe('chunkEntries', () => {
  it('puts at most 10 entries in a batch', () => {
    const chunks = chunkEntries(Array.from({ length: 25 }, () => 'x'));
    expect(chunks.map((chunk) => chunk.length)).toEqual([10, 10, 5]);
    expect(chunks.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('starts a new batch before 1 MiB is passed', () => {
    const body = 'x'.repeat(400 * 1024);
    const chunks = chunkEntries([body, body, body, 'small']);
    expect(chunks).toEqual([
      [0, 1],
      [2, 3],
    ]);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(SEND_BATCH_MAX_ENTRIES);
      expect(
        chunk.reduce((sum, i) => sum + Buffer.byteLength([body, body, body, 'small'][i] ?? ''), 0),
      ).toBeLessThanOrEqual(SEND_BATCH_MAX_BYTES);
    }
  });
});
