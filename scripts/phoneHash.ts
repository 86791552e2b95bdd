/**
 * `npm run phone-hash -- <number> [more numbers]`: the hash under which a number appears in traces and logs
 * (annotation `phoneHash`), to find its traces: `annotation.phoneHash = "<hash>"`.
 * The key: the deployed stage's secret (PHONE_HASH_KEY_SECRET_ARN, read with the shell's AWS credentials), a key
 * given as is (PHONE_HASH_KEY), or, when neither is set, the local stack's key from .local/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { phoneConfig } from '../src/lib/config.ts';
import { describeCause, ValidationError } from '../src/lib/errors.ts';
import { toE164 } from '../src/lib/phone.ts';
import { openPhoneHashing } from '../src/lib/phoneHashKey.ts';

const localKeyFile = join(import.meta.dirname, '..', '.local', 'phone-hash-key');
const env = { ...process.env };
if (!env.PHONE_HASH_KEY && !env.PHONE_HASH_KEY_SECRET_ARN && existsSync(localKeyFile)) {
  env.PHONE_HASH_KEY = readFileSync(localKeyFile, 'utf8').trim();
}
const numbers = process.argv.slice(2);
if (numbers.length === 0 || (!env.PHONE_HASH_KEY && !env.PHONE_HASH_KEY_SECRET_ARN)) {
  console.error('Usage: PHONE_HASH_KEY_SECRET_ARN=<the stage secret> npm run phone-hash -- <number> [...]');
  console.error('   or: PHONE_HASH_KEY=<the key> npm run phone-hash -- <number> [...]');
  process.exit(2);
}
try {
  const phone = openPhoneHashing(phoneConfig(env));
  for (const [index, number] of numbers.entries()) {
    try {
      const hash = await phone.hash(toE164(number, phone.defaultRegion ?? 'US'));
      console.log(`${hash}  annotation.phoneHash = "${hash}"`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      console.error(`${error.message} (argument ${index + 1})`);
      process.exitCode = 1;
    }
  }
} catch (error) {
  console.error(describeCause(error));
  process.exit(1);
}
