/**
 * `npm run phone-hash -- <number> [more numbers]`: the hash under which a number appears in traces and logs
 * (annotation `phoneHash`), to find its traces: `annotation.phoneHash = "<hash>"`.
 * Uses PHONE_HASH_KEY (the deployed stage's key) or, when unset, the local stack's key from .local/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { phoneHash, toE164 } from '../src/lib/phone.ts';

const localKeyFile = join(import.meta.dirname, '..', '.local', 'phone-hash-key');
const key =
  process.env.PHONE_HASH_KEY ??
  (existsSync(localKeyFile) ? readFileSync(localKeyFile, 'utf8').trim() : undefined);
const numbers = process.argv.slice(2);
if (!key || numbers.length === 0) {
  console.error('Usage: PHONE_HASH_KEY=<the stage key> npm run phone-hash -- <number> [...]');
  process.exit(2);
}
for (const number of numbers) {
  try {
    const e164 = toE164(number, process.env.PHONE_DEFAULT_REGION ?? 'US');
    console.log(`${phoneHash(e164, key)}  annotation.phoneHash = "${phoneHash(e164, key)}"`);
  } catch (error) {
    console.error(
      `${error instanceof Error ? error.message : error} (argument ${numbers.indexOf(number) + 1})`,
    );
    process.exitCode = 1;
  }
}
