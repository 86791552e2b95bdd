/** The real phone hashing with a test key: pure, so no fake is needed, only a key. */
import { openPhoneHashing, type PhoneHashing } from '../../src/lib/phoneHashKey.ts';

export const testPhoneHashing = (): PhoneHashing =>
  openPhoneHashing({ hashKey: { value: 'unit-test-phone-hash-key' }, defaultRegion: 'US' });
