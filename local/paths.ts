import { join } from 'node:path';

/**
 * Where `npm start` keeps the local system's data, its X-Ray documents and its state: `.local/` in the checkout, or
 * VOICE_CAMPAIGN_LOCAL_DIR (the end-to-end test runs a whole system in a directory of its own).
 */
export const LOCAL_DIR = process.env.VOICE_CAMPAIGN_LOCAL_DIR ?? join(import.meta.dirname, '..', '.local');
/** Written by a running `npm start`: its pid and the environment that reaches its stack. */
export const STACK_FILE = join(LOCAL_DIR, 'stack.json');
/** The X-Ray documents the local receiver got, one per line. */
export const SEGMENTS_FILE = join(LOCAL_DIR, 'xray', 'segments.ndjson');
/** A bearer token for the development identity, written by `npm start`. */
export const DEV_TOKEN_FILE = join(LOCAL_DIR, 'dev-token');

/** The id of the demo campaign `npm start` made through the API. */
export const DEMO_CAMPAIGN_FILE = join(LOCAL_DIR, 'demo-campaign');

/** The local stage's token issuer and audience; its signing key is made on the first `npm start` (.local/auth-secret). */
export const LOCAL_AUTH = {
  AUTH_ISSUER: 'voice-campaign-local',
  AUTH_AUDIENCE: 'voice-campaign-api',
} as const;
