/**
 * The functions' settings, in groups, with this module and configReader.ts the only readers of `process.env`. Each
 * function reads the groups it needs once, at cold start (`functionConfig`), and fails at once with one error that
 * names every setting missing or malformed. Which variables a group requires is said here; their types, bounds,
 * defaults and meanings in schemas/environment.schema.json.
 */
import { join } from 'node:path';
import { type Env, type Group, group, type Reader, readGroups } from './configReader.ts';

export { resetConfigCache } from './configReader.ts';

/**
 * Reads every group a function needs at once: its settings, or one ConfigError naming every setting missing or
 * malformed across all of them.
 */
export function functionConfig<G extends Record<string, Group<unknown>>>(
  groups: G,
  env: Env = process.env,
): { [K in keyof G]: ReturnType<G[K]> } {
  // Every function's chain reads these two as well (its tracing middleware).
  readGroups([runtimeConfig, tracingConfig, ...Object.values(groups)], env);
  return Object.fromEntries(Object.entries(groups).map(([name, read]) => [name, read(env)])) as {
    [K in keyof G]: ReturnType<G[K]>;
  };
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
  asteriskCallsQueueUrl: string;
  /**
   * How long a claimed attempt belongs to the invocation that claimed it. Longer than the function timeout,
   * so a redelivered task never sends a second call while the first invocation may still be sending.
   */
  claimLeaseSeconds: number;
  /** How long a call message may wait to be dialled: a call not started by then is not placed. */
  callDeadlineSeconds: number;
}

export const runtimeConfig = group<RuntimeConfig>('runtime', (r) => ({
  service: r.value('SERVICE_NAME'),
  stage: r.required('STAGE'),
}));

export const databaseConfig = group<DatabaseConfig>('database', (r) => {
  const url = r.optional('DATABASE_URL');
  const secretArn = r.optional('DATABASE_SECRET_ARN');
  if ((url === undefined) === (secretArn === undefined)) {
    r.problem('Set exactly one of the environment variables DATABASE_URL and DATABASE_SECRET_ARN');
  }
  return {
    url,
    secretArn,
    poolMax: r.value('DATABASE_POOL_MAX'),
    ssl: r.value('DATABASE_SSL'),
  };
});

/** Shorter keys make the hash of a number easy to guess by trying keys (the schema's PHONE_HASH_KEY minLength). */
export const MIN_PHONE_HASH_KEY_LENGTH = 16;

function phoneHashKeySource(r: Reader): PhoneConfig['hashKey'] {
  const value = r.optional('PHONE_HASH_KEY');
  const secretArn = r.optional('PHONE_HASH_KEY_SECRET_ARN');
  if (secretArn !== undefined && value === undefined) return { secretArn };
  if (value === undefined || secretArn !== undefined) {
    r.problem('Set exactly one of the environment variables PHONE_HASH_KEY and PHONE_HASH_KEY_SECRET_ARN');
  }
  return { value: value ?? '' };
}

export const phoneConfig = group<PhoneConfig>('phone', (r) => ({
  hashKey: phoneHashKeySource(r),
  defaultRegion: r.optional('PHONE_DEFAULT_REGION')?.toUpperCase(),
}));

export const dialerConfig = group<DialerConfig>('dialer', (r) => ({
  asteriskCallsQueueUrl: r.required('ASTERISK_CALLS_QUEUE_URL'),
  claimLeaseSeconds: r.value('DIAL_CLAIM_LEASE_SECONDS'),
  callDeadlineSeconds: r.value('CALL_DEADLINE_SECONDS'),
}));

/** The minute's tick: its campaigns in groups, each group a message for the campaign ticker. */
export interface TickFanOutConfig {
  campaignTicksQueueUrl: string;
  groupSize: number;
}

export const tickFanOutConfig = group<TickFanOutConfig>('tickFanOut', (r) => ({
  campaignTicksQueueUrl: r.required('CAMPAIGN_TICKS_QUEUE_URL'),
  groupSize: r.value('SCHEDULER_GROUP_SIZE'),
}));

export interface SchedulerConfig {
  /** Where released contacts go as dial tasks. */
  dialTasksQueueUrl: string;
  /** How long a campaign claimed for a tick stays claimed if its ticker stops before releasing it. */
  tickLeaseSeconds: number;
  /** The seconds a tick's dial tasks are spread over (their SQS delays): the tick's minute; 0 sends them at once. */
  spreadSeconds: number;
  /** How long a released contact and a started call may take (src/domain/schedulePlan.ts's PlanTimes). */
  times: { releaseLeaseMinutes: number; resultTimeoutMinutes: number };
  /** Open contacts given their final outcome per tick, for a cancelled or ended campaign. */
  closeRows: number;
}

/**
 * The functions' clock. On AWS, the system clock. On the local stack a clock may run faster (`npm start --
 * --time-scale 60`: an hour a minute) from an origin all its processes share, so a demo campaign goes through retries,
 * closing windows and completion in minutes.
 */
export interface ClockConfig {
  scale: number;
  originMs: number;
  /** The instant the clock shows at `originMs` (`npm start -- --clock-start`); the origin itself when not set. */
  startMs?: number;
}

export interface BlacklistConfig {
  blacklistTable: string;
}

export const schedulerConfig = group<SchedulerConfig>('scheduler', (r) => ({
  dialTasksQueueUrl: r.required('DIAL_TASKS_QUEUE_URL'),
  tickLeaseSeconds: r.value('SCHEDULER_TICK_LEASE_SECONDS'),
  spreadSeconds: r.value('SCHEDULER_SPREAD_SECONDS'),
  times: {
    releaseLeaseMinutes: r.value('SCHEDULER_RELEASE_LEASE_MINUTES'),
    resultTimeoutMinutes: r.value('SCHEDULER_RESULT_TIMEOUT_MINUTES'),
  },
  closeRows: r.value('SCHEDULER_CLOSE_ROWS'),
}));

/** How long a call sent may take before it is taken as lost (the scheduler's, read by the campaign's status too). */
export const callTimesConfig = group<{ resultTimeoutMinutes: number; callDeadlineSeconds: number }>(
  'callTimes',
  (r) => ({
    resultTimeoutMinutes: r.value('SCHEDULER_RESULT_TIMEOUT_MINUTES'),
    // The claim counts a number's calls in windows widened by it; so do the readings of who is at a limit.
    callDeadlineSeconds: r.value('CALL_DEADLINE_SECONDS'),
  }),
);

export const clockConfig = group<ClockConfig>('clock', (r) => {
  const scale = r.value('CLOCK_TIME_SCALE');
  const originMs = r.value('CLOCK_ORIGIN_MS');
  const startMs = r.value('CLOCK_START_MS');
  // A clock that is not the real one could call outside the legal hours: only ever on the local stack.
  if ((scale !== 1 || startMs !== 0) && r.optional('STAGE') !== 'local')
    r.problem('CLOCK_TIME_SCALE and CLOCK_START_MS are for the local stage only');
  return { scale, originMs, ...(startMs === 0 ? {} : { startMs }) };
});

/** Where publishDashboard finds the built page: in its own package on Lambda (LAMBDA_TASK_ROOT), else here. */
export const dashboardFilesConfig = group<{ filesDir: string }>('dashboardFiles', (r) => ({
  filesDir: join(r.optional('LAMBDA_TASK_ROOT') ?? process.cwd(), 'web', 'dist'),
}));

export const blacklistConfig = group<BlacklistConfig>('blacklist', (r) => ({
  blacklistTable: r.required('BLACKLIST_TABLE'),
}));

export interface ImportsConfig {
  /** The private bucket CSV files are uploaded to (uploads/) and rejects files written to (rejects/). */
  bucket: string;
  /** Path-style S3 URLs (the local S3 emulator); AWS uses virtual-hosted ones. */
  s3PathStyle: boolean;
  /** The largest file an upload form accepts. */
  maxBytes: number;
  /** How long an upload form stays usable. */
  uploadSeconds: number;
  /** How long a link to a rejects file stays usable. */
  linkSeconds: number;
}

export interface ImportWorkerConfig {
  /** The imports queue: upload events arrive on it, and an import that must continue sends itself there. */
  importsQueueUrl: string;
  /** Rows committed at once, with their checkpoint. */
  batchRows: number;
  /** An invocation with less time left than this stops after its batch and continues in the next one. */
  stopMarginMs: number;
  /**
   * How long an invocation holds an import past its last commit: longer than an invocation (15 minutes at most), so
   * a lease outlives the invocation holding it; once it runs out, the sweeper hands the import on. @default 960
   */
  leaseSeconds: number;
}

export const importsConfig = group<ImportsConfig>('imports', (r) => ({
  bucket: r.required('IMPORT_BUCKET'),
  s3PathStyle: r.value('S3_FORCE_PATH_STYLE'),
  maxBytes: r.value('IMPORT_MAX_BYTES'),
  uploadSeconds: r.value('IMPORT_UPLOAD_SECONDS'),
  linkSeconds: r.value('IMPORT_LINK_SECONDS'),
}));

export const importSweeperConfig = group<{ importsQueueUrl: string }>('importSweeper', (r) => ({
  importsQueueUrl: r.required('IMPORTS_QUEUE_URL'),
}));

export const importWorkerConfig = group<ImportWorkerConfig>('importWorker', (r) => ({
  importsQueueUrl: r.required('IMPORTS_QUEUE_URL'),
  batchRows: r.value('IMPORT_BATCH_ROWS'),
  stopMarginMs: r.value('IMPORT_STOP_MARGIN_MS'),
  leaseSeconds: r.value('IMPORT_LEASE_SECONDS'),
}));

/** The bucket of trained answer models (docs/best-time.md). */
export interface ModelsConfig {
  bucket: string;
  /** Path-style S3 URLs (the local S3 emulator). */
  s3PathStyle: boolean;
}

export const modelsConfig = group<ModelsConfig>('models', (r) => ({
  bucket: r.required('MODEL_BUCKET'),
  s3PathStyle: r.value('S3_FORCE_PATH_STYLE'),
}));

export type AuthConfig =
  | { mode: 'jwks'; jwksUrl: URL; issuer: string; audience: string }
  | { mode: 'local'; secret: string; issuer: string; audience: string };

/**
 * How the authorizer verifies tokens: against the identity provider's JWKS (RS256/ES256, deployed stages), or with
 * a shared HS256 secret (the local stage's development identity).
 */
export const authConfig = group<AuthConfig>('auth', (r) => {
  const issuer = r.required('AUTH_ISSUER');
  const audience = r.required('AUTH_AUDIENCE');
  const jwksUrl = r.optional('AUTH_JWKS_URL');
  const secret = r.optional('AUTH_LOCAL_SECRET');
  if ((jwksUrl === undefined) === (secret === undefined)) {
    r.problem('Set exactly one of the environment variables AUTH_JWKS_URL and AUTH_LOCAL_SECRET');
  }
  if (jwksUrl !== undefined) {
    if (URL.canParse(jwksUrl)) return { mode: 'jwks', jwksUrl: new URL(jwksUrl), issuer, audience };
    r.problem(`Environment variable AUTH_JWKS_URL must be an https URL, got "${jwksUrl}"`);
  }
  return { mode: 'local', secret: secret ?? '', issuer, audience };
});

export interface TracingConfig {
  /**
   * Give each invocation a new trace header. Only for an emulator that runs functions without one (serverless-offline,
   * stage local); Lambda sets the header itself, and it must never be replaced there.
   */
  newTracePerInvocation: boolean;
  /** Running as Lambda runs a function (LAMBDA_TASK_ROOT): only there is there a trace to continue. */
  inLambda: boolean;
  /** Where the X-Ray daemon takes segment documents (`host:port`, or `tcp:host:port udp:host:port`). */
  daemonAddress: string;
  /** The OpenTelemetry backend's spans sent as OTLP over HTTP instead of to the daemon (docs/tracing.md). */
  otlp?: OtlpTarget;
}

export interface OtlpTarget {
  endpoint: URL;
  protocol: 'http/protobuf' | 'http/json';
  /** The spans' `service.name`: the service's name, as X-Ray's service map shows it. */
  serviceName: string;
  /** Each request signed with SigV4 for X-Ray in this region: X-Ray's own endpoint, or one set for another. */
  signingRegion?: string;
}

/** The region of X-Ray's OTLP endpoint, from its host (`xray.<region>.amazonaws.com`). */
function xrayOtlpRegion(endpoint: URL): string | undefined {
  return /^xray\.([a-z0-9-]+)\.amazonaws\.com$/.exec(endpoint.hostname)?.[1];
}

/**
 * Sets the trace header the X-Ray SDK reads (`_X_AMZN_TRACE_ID`), for an emulator that gives none. Written here so
 * that this module stays the only place that touches the process environment.
 */
export function setTraceHeader(header: string): void {
  process.env._X_AMZN_TRACE_ID = header;
}

interface LambdaInvokeStore {
  getXRayTraceId?(): string | undefined;
}

/**
 * The invocation's trace header, as the Lambda runtime (or setTraceHeader) left it; read afresh each time. A runtime
 * that runs invocations concurrently keeps it per invocation in its InvokeStore (the X-Ray SDK reads it there first).
 */
export function traceHeader(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: LambdaInvokeStore } }).awslambda?.InvokeStore;
  return store?.getXRayTraceId?.() ?? process.env._X_AMZN_TRACE_ID;
}

export const tracingConfig = group<TracingConfig>('tracing', (r) => ({
  newTracePerInvocation: r.value('LOCAL_TRACE_HEADERS'),
  inLambda: r.optional('LAMBDA_TASK_ROOT') !== undefined,
  daemonAddress: r.value('AWS_XRAY_DAEMON_ADDRESS'),
  ...otlpTarget(r.optional('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), r),
}));

function otlpTarget(endpoint: string | undefined, r: Reader): { otlp?: OtlpTarget } {
  // A malformed endpoint is a problem the reader reported already.
  if (endpoint === undefined || !URL.canParse(endpoint)) return {};
  const url = new URL(endpoint);
  const signingRegion = r.optional('OTLP_SIGV4_REGION') ?? xrayOtlpRegion(url);
  return {
    otlp: {
      endpoint: url,
      protocol: r.value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'),
      serviceName: r.value('SERVICE_NAME'),
      ...(signingRegion ? { signingRegion } : {}),
    },
  };
}
