import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../src/lib/errors.ts';
import { phoneHash, toE164 } from '../../../src/lib/phone.ts';
import { redactPhoneLike } from '../../../src/lib/redact.ts';

describe('toE164', () => {
  it.each([
    ['+1 202-555-0143', undefined, '+12025550143'],
    ['(202) 555-0143', 'US', '+12025550143'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
  ])('normalises %s (region %s) to %s', (input, region, expected) => {
    expect(toE164(input, region)).toBe(expected);
  });

  it.each([['12'], ['+1555'], ['not a number'], ['(202) 555-0143']])(
    'refuses %s without a region that makes it valid, without echoing it',
    (input) => {
      // Act
      const attempt = () => toE164(input);

      // Assess
      expect(attempt).toThrow(ValidationError);
      expect(attempt).toThrow('phoneNumber is not a valid phone number');
    },
  );

  it('refuses a number that parses but cannot exist ("12" read in the US)', () => {
    expect(() => toE164('12', 'US')).toThrow(ValidationError);
  });
});

describe('phoneHash', () => {
  it('is stable for one key, differs between keys, and does not contain the number', () => {
    const first = phoneHash('+12025550143', 'key-one-0123456789');
    expect(phoneHash('+12025550143', 'key-one-0123456789')).toBe(first);
    expect(phoneHash('+12025550143', 'key-two-0123456789')).not.toBe(first);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(first).not.toContain('2025550143');
  });
});

describe('redactPhoneLike', () => {
  it('masks numbers written in the usual ways and keeps short numbers and IPv4 addresses', () => {
    const text = 'call +1 (202) 555-0143 or 202.555.0143 or 2025550143 at 10:45, port 5432 on 127.0.0.1';
    const redacted = redactPhoneLike(text);
    expect(redacted).not.toMatch(/555/);
    expect(redacted).toContain('10:45');
    expect(redacted).toContain('5432');
    expect(redacted).toContain('127.0.0.1');
  });

  it('keeps UUIDs whole (an import id in a path), and still masks a number beside one', () => {
    const text = '/imports/0b8ab538-1324-45ab-842b-32a48b6e078a for 2025550143';
    expect(redactPhoneLike(text)).toBe('/imports/0b8ab538-1324-45ab-842b-32a48b6e078a for [redacted-number]');
  });
});
