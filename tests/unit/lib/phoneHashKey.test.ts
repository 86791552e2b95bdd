import { describe, expect, it } from '@jest/globals';
import { ConfigError, DependencyError } from '../../../src/lib/errors.ts';
import { phoneHash } from '../../../src/lib/phone.ts';
import { openPhoneHashing } from '../../../src/lib/phoneHashKey.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:phone-hash';
const KEY = 'stage-phone-hash-key-0123456789';

/** A secret reader that answers from a queue of outcomes and counts its calls. */
function reader(...outcomes: Array<unknown | Error>) {
  const calls: string[] = [];
  const read = async (arn: string) => {
    calls.push(arn);
    const outcome = outcomes.shift();
    if (outcome instanceof Error) throw outcome;
    return outcome;
  };
  return { read, calls };
}

describe('openPhoneHashing', () => {
  it('uses a key given as is without reading any secret', async () => {
    // Prepare
    const { read, calls } = reader();
    const phone = openPhoneHashing({ hashKey: { value: KEY }, defaultRegion: 'US' }, read);

    // Act
    const hash = await phone.hash('+12025550143');

    // Assess
    expect(hash).toBe(phoneHash('+12025550143', KEY));
    expect(phone.defaultRegion).toBe('US');
    expect(calls).toEqual([]);
  });

  it('reads the key from its secret once, however many invocations ask at once', async () => {
    // Prepare
    const { read, calls } = reader({ phoneHashKey: KEY });
    const phone = openPhoneHashing({ hashKey: { secretArn: SECRET_ARN }, defaultRegion: undefined }, read);

    // Act
    const keys = await Promise.all([phone.key(), phone.key(), phone.hash('+12025550143')]);
    const later = await phone.key();

    // Assess
    expect(keys).toEqual([KEY, KEY, phoneHash('+12025550143', KEY)]);
    expect(later).toBe(KEY);
    expect(calls).toEqual([SECRET_ARN]);
  });

  it('reports a failed read as a retryable dependency failure, and reads again on the next call', async () => {
    // Prepare
    const { read, calls } = reader(new Error('connect ETIMEDOUT'), { phoneHashKey: KEY });
    const phone = openPhoneHashing({ hashKey: { secretArn: SECRET_ARN }, defaultRegion: undefined }, read);

    // Act
    const failure = await phone.key().catch((error: unknown) => error);
    const key = await phone.key();

    // Assess
    expect(failure).toBeInstanceOf(DependencyError);
    expect(failure).toMatchObject({ statusCode: 503, dependency: 'secretsmanager' });
    expect(key).toBe(KEY);
    expect(calls).toHaveLength(2);
  });

  it.each([
    ['has no phoneHashKey field', { other: KEY }],
    ['holds a key that is too short', { phoneHashKey: 'short' }],
    ['is not JSON of fields', 'plain text'],
  ])('refuses a secret that %s, without showing its value', async (_case, secret) => {
    // Prepare
    const { read } = reader(secret);
    const phone = openPhoneHashing({ hashKey: { secretArn: SECRET_ARN }, defaultRegion: undefined }, read);

    // Act
    const failure = await phone.key().catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ConfigError);
    expect(String((failure as Error).message)).toContain('phoneHashKey');
    expect(String((failure as Error).message)).not.toContain('short');
  });
});
