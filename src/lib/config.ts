/**
 * The only reader of `process.env`. Each function reads the group of settings it needs once, at cold start,
 * and fails at once with the variable's name when one is missing or malformed.
 */
import { ConfigError } from './errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Missing required environment variable ${name}`);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `Environment variable ${name} must be an integer from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

export interface RuntimeConfig {
  /** Name the service reports in traces and logs. */
  service: string;
  /** Deployment stage (`dev`, `prod`, `local`): the `environment` annotation. */
  stage: string;
}

export interface DatabaseConfig {
  /** A connection string (local stack, tests). */
  url?: string;
  /** Or a Secrets Manager secret in the RDS format (host, port, username, password, dbname), read at cold start. */
  secretArn?: string;
  /** Connections per function instance: one invocation at a time needs few. */
  poolMax: number;
  /** Verify the server certificate (production) instead of a plain local connection. */
  ssl: boolean;
}

export interface PhoneConfig {
  /**
   * Key of the keyed hash that stands for a number in traces and logs: given as is (local stack, tests), or the
   * Secrets Manager secret that holds it (deployed stages: read at run time, so it is not in the function's
   * configuration).
   */
  hashKey: { value: string } | { secretArn: string };
  /** ISO region used to read numbers written without a country code; none means only +E.164 is accepted. */
  defaultRegion: string | undefined;
}

export interface DialerConfig {
  blacklistTable: string;
  asteriskCallsQueueUrl: string;
  /**
   * How long a claimed attempt belongs to the invocation that claimed it. Longer than the function timeout,
   * so a redelivered task never sends a second call while the first invocation may still be sending.
   */
  claimLeaseSeconds: number;
}

const cache = new Map<string, unknown>();

function once<T>(key: string, read: () => T): T {
  if (!cache.has(key)) cache.set(key, read());
  return cache.get(key) as T;
}

export function runtimeConfig(env: Env = process.env): RuntimeConfig {
  return once('runtime', () => ({
    service: optional(env, 'SERVICE_NAME') ?? 'voice-campaign',
    stage: required(env, 'STAGE'),
  }));
}

export function databaseConfig(env: Env = process.env): DatabaseConfig {
  return once('database', () => {
    const url = optional(env, 'DATABASE_URL');
    const secretArn = optional(env, 'DATABASE_SECRET_ARN');
    if ((url === undefined) === (secretArn === undefined)) {
      throw new ConfigError(
        'Set exactly one of the environment variables DATABASE_URL and DATABASE_SECRET_ARN',
      );
    }
    return {
      url,
      secretArn,
      poolMax: integer(env, 'DATABASE_POOL_MAX', 2, 1, 20),
      ssl: optional(env, 'DATABASE_SSL') === 'true',
    };
  });
}

/** Shorter keys make the hash of a number easy to guess by trying keys. */
export const MIN_PHONE_HASH_KEY_LENGTH = 16;

function phoneHashKeySource(
  value: string | undefined,
  secretArn: string | undefined,
): PhoneConfig['hashKey'] {
  if (secretArn !== undefined && value === undefined) return { secretArn };
  if (value === undefined || secretArn !== undefined) {
    throw new ConfigError(
      'Set exactly one of the environment variables PHONE_HASH_KEY and PHONE_HASH_KEY_SECRET_ARN',
    );
  }
  if (value.length < MIN_PHONE_HASH_KEY_LENGTH) {
    throw new ConfigError(
      `Environment variable PHONE_HASH_KEY must be at least ${MIN_PHONE_HASH_KEY_LENGTH} characters`,
    );
  }
  return { value };
}

export function phoneConfig(env: Env = process.env): PhoneConfig {
  return once('phone', () => {
    const hashKey = phoneHashKeySource(
      optional(env, 'PHONE_HASH_KEY'),
      optional(env, 'PHONE_HASH_KEY_SECRET_ARN'),
    );
    const defaultRegion = optional(env, 'PHONE_DEFAULT_REGION')?.toUpperCase();
    if (defaultRegion !== undefined && !/^[A-Z]{2}$/.test(defaultRegion)) {
      throw new ConfigError(
        `Environment variable PHONE_DEFAULT_REGION must be a two-letter region, got "${defaultRegion}"`,
      );
    }
    return { hashKey, defaultRegion };
  });
}

export function dialerConfig(env: Env = process.env): DialerConfig {
  return once('dialer', () => ({
    blacklistTable: required(env, 'BLACKLIST_TABLE'),
    asteriskCallsQueueUrl: required(env, 'ASTERISK_CALLS_QUEUE_URL'),
    claimLeaseSeconds: integer(env, 'DIAL_CLAIM_LEASE_SECONDS', 120, 1, 43_200),
  }));
}

export interface CampaignConfig {
  fanoutQueueUrl: string;
  /** Contacts per fan-out job: one page read with keyset pagination. */
  fanoutPageSize: number;
}

export interface FanoutConfig {
  blacklistTable: string;
  dialTasksQueueUrl: string;
}

export interface BlacklistConfig {
  blacklistTable: string;
}

export function campaignConfig(env: Env = process.env): CampaignConfig {
  return once('campaign', () => ({
    fanoutQueueUrl: required(env, 'FANOUT_QUEUE_URL'),
    fanoutPageSize: integer(env, 'FANOUT_PAGE_SIZE', 500, 10, 5_000),
  }));
}

export function fanoutConfig(env: Env = process.env): FanoutConfig {
  return once('fanout', () => ({
    blacklistTable: required(env, 'BLACKLIST_TABLE'),
    dialTasksQueueUrl: required(env, 'DIAL_TASKS_QUEUE_URL'),
  }));
}

export function blacklistConfig(env: Env = process.env): BlacklistConfig {
  return once('blacklist', () => ({ blacklistTable: required(env, 'BLACKLIST_TABLE') }));
}

export type AuthConfig =
  | { mode: 'jwks'; jwksUrl: URL; issuer: string; audience: string }
  | { mode: 'local'; secret: string; issuer: string; audience: string };

/**
 * How the authorizer verifies tokens: against the identity provider's JWKS (RS256/ES256, deployed stages), or with
 * a shared HS256 secret (the local stage's development identity).
 */
export function authConfig(env: Env = process.env): AuthConfig {
  return once('auth', () => {
    const issuer = required(env, 'AUTH_ISSUER');
    const audience = required(env, 'AUTH_AUDIENCE');
    const jwksUrl = optional(env, 'AUTH_JWKS_URL');
    const secret = optional(env, 'AUTH_LOCAL_SECRET');
    if ((jwksUrl === undefined) === (secret === undefined)) {
      throw new ConfigError(
        'Set exactly one of the environment variables AUTH_JWKS_URL and AUTH_LOCAL_SECRET',
      );
    }
    if (jwksUrl !== undefined) {
      if (!URL.canParse(jwksUrl) || !jwksUrl.startsWith('https://')) {
        throw new ConfigError(`Environment variable AUTH_JWKS_URL must be an https URL, got "${jwksUrl}"`);
      }
      return { mode: 'jwks', jwksUrl: new URL(jwksUrl), issuer, audience };
    }
    if ((secret ?? '').length < 32)
      throw new ConfigError('Environment variable AUTH_LOCAL_SECRET must be at least 32 characters');
    return { mode: 'local', secret: secret ?? '', issuer, audience };
  });
}

export interface TracingConfig {
  /**
   * Give each invocation a new trace header. Only for an emulator that runs functions without one (serverless-offline,
   * stage local); Lambda sets the header itself, and it must never be replaced there.
   */
  newTracePerInvocation: boolean;
}

/**
 * Sets the trace header the X-Ray SDK reads (`_X_AMZN_TRACE_ID`), for an emulator that gives none. Written here so
 * that this module stays the only place that touches the process environment.
 */
export function setTraceHeader(header: string): void {
  process.env._X_AMZN_TRACE_ID = header;
}

export function tracingConfig(env: Env = process.env): TracingConfig {
  return once('tracing', () => ({ newTracePerInvocation: optional(env, 'LOCAL_TRACE_HEADERS') === 'true' }));
}

/** Forgets what was read, so a test can change the environment. */
export function resetConfigCache(): void {
  cache.clear();
}
