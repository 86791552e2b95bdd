import { expect, it } from '@jest/globals';
import { dialIdOf, keyOfDialId } from '../../../src/lib/dialId.ts';

it('writes an attempt as its dialId and reads the key back', () => {
  const key = { campaignId: 'spring-2027', contactId: 'c_42', attempt: 3 };
  expect(dialIdOf(key)).toBe('spring-2027:c_42:3');
  expect(keyOfDialId(dialIdOf(key))).toEqual(key);
});
