import { beforeEach, describe, expect, it } from '@jest/globals';
import { CLOSING_MARGIN_MINUTES } from '../../../src/domain/callingHours.ts';
import {
  authConfig,
  blacklistConfig,
  clockConfig,
  databaseConfig,
  dialerConfig,
  functionConfig,
  importWorkerConfig,
  phoneConfig,
  resetConfigCache,
  runtimeConfig,
  schedulerConfig,
  tracingConfig,
} from '../../../src/lib/config.ts';
import { ConfigError } from '../../../src/lib/errors.ts';

describe('config', () => {
  beforeEach(() => {
    resetConfigCache();
  });

  it('refuses a faster or moved clock outside the local stage, and reads one there', () => {
    expect(() => clockConfig({ STAGE: 'prod', CLOCK_START_MS: '1804568400000' })).toThrow(
      'CLOCK_TIME_SCALE and CLOCK_START_MS are for the local stage only',
    );
    resetConfigCache();
    expect(
      clockConfig({ STAGE: 'local', CLOCK_TIME_SCALE: '1000', CLOCK_START_MS: '1804568400000' }),
    ).toEqual({
      scale: 1000,
      originMs: 0,
      startMs: 1804568400000,
    });
  });

  it('fails with the name of a missing required variable', () => {
    expect(() => runtimeConfig({})).toThrow(new ConfigError('Missing required environment variable STAGE'));
    expect(() => dialerConfig({ BLACKLIST_TABLE: 'blacklist' })).toThrow('ASTERISK_CALLS_QUEUE_URL');
  });

  it('refuses a malformed number or flag with the variable name and what the schema allows', () => {
    const env = {
      BLACKLIST_TABLE: 't',
      ASTERISK_CALLS_QUEUE_URL: 'http://q',
      DIAL_CLAIM_LEASE_SECONDS: 'soon',
    };
    expect(() => dialerConfig(env)).toThrow(
      new ConfigError('Environment variable DIAL_CLAIM_LEASE_SECONDS must be an integer, got "soon"'),
    );
    resetConfigCache();
    expect(() => dialerConfig({ ...env, DIAL_CLAIM_LEASE_SECONDS: '0' })).toThrow(
      'Environment variable DIAL_CLAIM_LEASE_SECONDS must be at least 1, got "0"',
    );
    resetConfigCache();
    expect(() => dialerConfig({ ...env, DIAL_CLAIM_LEASE_SECONDS: '50000' })).toThrow(
      'Environment variable DIAL_CLAIM_LEASE_SECONDS must be at most 43200, got "50000"',
    );
    resetConfigCache();
    expect(() => databaseConfig({ DATABASE_URL: 'postgresql://x', DATABASE_SSL: 'yes' })).toThrow(
      'Environment variable DATABASE_SSL must be true or false, got "yes"',
    );
  });

  it('refuses a call deadline longer than the calling hours’ closing margin: a call could start after they close', () => {
    const env = { BLACKLIST_TABLE: 't', ASTERISK_CALLS_QUEUE_URL: 'http://q' };
    const margin = CLOSING_MARGIN_MINUTES * 60;
    expect(dialerConfig({ ...env, CALL_DEADLINE_SECONDS: String(margin) }).callDeadlineSeconds).toBe(margin);
    resetConfigCache();
    expect(() => dialerConfig({ ...env, CALL_DEADLINE_SECONDS: String(margin + 1) })).toThrow(
      `Environment variable CALL_DEADLINE_SECONDS must be at most ${margin}, got "${margin + 1}"`,
    );
  });

  it('sends spans as OTLP only when an endpoint is set: signed for X-Ray’s own endpoint, or for a region given', () => {
    expect(tracingConfig({}).otlp).toBeUndefined();
    resetConfigCache();
    const xray = 'https://xray.eu-west-1.amazonaws.com/v1/traces';
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: xray }).otlp).toEqual({
      endpoint: new URL(xray),
      protocol: 'http/protobuf',
      serviceName: 'voice-campaign',
      signingRegion: 'eu-west-1',
    });
    resetConfigCache();
    const collector = 'http://collector.internal:4318/v1/traces';
    expect(
      tracingConfig({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      }).otlp,
    ).toEqual({ endpoint: new URL(collector), protocol: 'http/json', serviceName: 'voice-campaign' });
    resetConfigCache();
    expect(
      tracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector, OTLP_SIGV4_REGION: 'us-east-2' }).otlp
        ?.signingRegion,
    ).toBe('us-east-2');
    resetConfigCache();
    expect(() => tracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318' })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    );
    resetConfigCache();
    expect(() =>
      tracingConfig({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      }),
    ).toThrow('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  });

  it('gives every tunable its default from the schema, and a value set in the environment, as its type', () => {
    expect(dialerConfig({ BLACKLIST_TABLE: 't', ASTERISK_CALLS_QUEUE_URL: 'http://q' })).toEqual({
      asteriskCallsQueueUrl: 'http://q',
      claimLeaseSeconds: 120,
      callDeadlineSeconds: 300,
    });
    expect(schedulerConfig({ DIAL_TASKS_QUEUE_URL: 'http://d', SCHEDULER_CLOSE_ROWS: ' 500 ' })).toEqual({
      dialTasksQueueUrl: 'http://d',
      tickLeaseSeconds: 90,
      spreadSeconds: 60,
      times: { releaseLeaseMinutes: 15, resultTimeoutMinutes: 60 },
      closeRows: 500,
    });
    expect(importWorkerConfig({ IMPORTS_QUEUE_URL: 'http://i' })).toMatchObject({ leaseSeconds: 960 });
    expect(databaseConfig({ DATABASE_URL: 'postgresql://x', DATABASE_SSL: 'true' }).ssl).toBe(true);
  });

  it('never repeats a malformed secret in its message', () => {
    const secret = 'too-short-secret';
    expect(() => authConfig({ AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', AUTH_LOCAL_SECRET: secret })).toThrow(
      new ConfigError('Environment variable AUTH_LOCAL_SECRET must be at least 32 characters'),
    );
  });

  it('takes the phone hash key as is or as the secret that holds it, never both or neither', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:phone-hash';
    expect(phoneConfig({ PHONE_HASH_KEY_SECRET_ARN: secretArn }).hashKey).toEqual({ secretArn });
    resetConfigCache();
    expect(() => phoneConfig({})).toThrow('Set exactly one of the environment variables PHONE_HASH_KEY and');
    resetConfigCache();
    expect(() =>
      phoneConfig({ PHONE_HASH_KEY: '0123456789abcdef', PHONE_HASH_KEY_SECRET_ARN: secretArn }),
    ).toThrow('PHONE_HASH_KEY_SECRET_ARN');
  });

  it('refuses a short phone hash key and a region that is not two letters', () => {
    expect(() => phoneConfig({ PHONE_HASH_KEY: 'short' })).toThrow(
      'PHONE_HASH_KEY must be at least 16 characters',
    );
    resetConfigCache();
    expect(() => phoneConfig({ PHONE_HASH_KEY: '0123456789abcdef', PHONE_DEFAULT_REGION: 'USA' })).toThrow(
      'PHONE_DEFAULT_REGION',
    );
  });

  it('names every setting a function misses or cannot read, across all its groups, in one error', () => {
    // Act
    const attempt = () =>
      functionConfig(
        { database: databaseConfig, phone: phoneConfig, dialer: dialerConfig, blacklist: blacklistConfig },
        { PHONE_HASH_KEY: 'short', DIAL_CLAIM_LEASE_SECONDS: 'soon', DATABASE_URL: 'postgresql://x' },
      );

    // Assess
    expect(attempt).toThrow(
      new ConfigError(
        'Configuration is not valid: Missing required environment variable STAGE; ' +
          'Environment variable PHONE_HASH_KEY must be at least 16 characters; ' +
          'Missing required environment variable ASTERISK_CALLS_QUEUE_URL; ' +
          'Environment variable DIAL_CLAIM_LEASE_SECONDS must be an integer, got "soon"; ' +
          'Missing required environment variable BLACKLIST_TABLE',
      ),
    );
  });

  it('gives a function its groups of settings once all of them are valid', () => {
    const env = { STAGE: 'test', DATABASE_URL: 'postgresql://x', DATABASE_POOL_MAX: '3' };
    expect(functionConfig({ database: databaseConfig }, env).database).toMatchObject({ poolMax: 3 });
  });

  it('reads each group once: later changes of the environment are not seen', () => {
    const env: Record<string, string> = { STAGE: 'prod' };
    expect(runtimeConfig(env)).toEqual({ service: 'voice-campaign', stage: 'prod' });
    env.STAGE = 'dev';
    expect(runtimeConfig(env).stage).toBe('prod');
  });
});
