import { join } from 'node:path';

/** Where `npm start` keeps the local system's data, its X-Ray documents and its state. */
export const LOCAL_DIR = join(import.meta.dirname, '..', '.local');
/** Written by a running `npm start`: its pid and the environment that reaches its stack. */
export const STACK_FILE = join(LOCAL_DIR, 'stack.json');

/** The local stage's token issuer and audience; its signing key is made on the first `npm start` (.local/auth-secret). */
export const LOCAL_AUTH = {
  AUTH_ISSUER: 'voice-campaign-local',
  AUTH_AUDIENCE: 'voice-campaign-api',
} as const;
