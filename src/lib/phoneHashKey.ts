/**
 * The key of the phone-number hash, for one function instance. In deployed stages it is the `phoneHashKey` field of
 * a Secrets Manager secret, read on first use and kept for the instance's life, so the key is in neither the
 * template nor the function's configuration. The key is never rotated in place: a new key changes every hash, and
 * the traces of a number could no longer be found under one hash.
 */
import { MIN_PHONE_HASH_KEY_LENGTH, type PhoneConfig, phoneConfig } from './config.ts';
import { ConfigError, DependencyError } from './errors.ts';
import { type E164, phoneHash, toE164 } from './phone.ts';
import { readJsonSecret } from './secrets.ts';

export interface PhoneHashing {
  /** ISO region used to read numbers written without a country code. */
  defaultRegion: string | undefined;
  /** The key; a failed read of its secret is a DependencyError (retryable), tried again by the next call. */
  key(): Promise<string>;
  /** The number's hash under the key (see `key` for failures). */
  hash(e164: string): Promise<string>;
  /**
   * A number as a caller wrote it (any usual form; `defaultRegion` when it has no country code) in E.164, with its
   * hash. The number is checked first: an invalid one is a ValidationError (400) whether or not the key can be read.
   */
  read(input: string): Promise<{ e164: E164; hash: string }>;
}

/** Field of the secret that holds the key. */
const PHONE_HASH_KEY_FIELD = 'phoneHashKey';

/** Call once per function instance, at module load; `read` is the secret reader (Secrets Manager by default). */
export function openPhoneHashing(
  config: PhoneConfig = phoneConfig(),
  read: (secretArn: string) => Promise<unknown> = readJsonSecret,
): PhoneHashing {
  const { hashKey, defaultRegion } = config;
  let pending: Promise<string> | undefined;
  const fetchKey = async (secretArn: string): Promise<string> => {
    let secret: unknown;
    try {
      secret = await read(secretArn);
    } catch (error) {
      throw new DependencyError('secretsmanager', 'The phone-hash key secret could not be read', {
        cause: error,
      });
    }
    const value = (secret as Record<string, unknown> | undefined)?.[PHONE_HASH_KEY_FIELD];
    if (typeof value !== 'string' || value.length < MIN_PHONE_HASH_KEY_LENGTH) {
      throw new ConfigError(
        `The secret PHONE_HASH_KEY_SECRET_ARN names has no field ${PHONE_HASH_KEY_FIELD} of at least ${MIN_PHONE_HASH_KEY_LENGTH} characters`,
      );
    }
    return value;
  };
  const key = (): Promise<string> => {
    if ('value' in hashKey) return Promise.resolve(hashKey.value);
    pending ??= fetchKey(hashKey.secretArn).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  const hash = async (e164: string) => phoneHash(e164, await key());
  return {
    defaultRegion,
    key,
    hash,
    async read(input) {
      const e164 = toE164(input, defaultRegion);
      return { e164, hash: await hash(e164) };
    },
  };
}
