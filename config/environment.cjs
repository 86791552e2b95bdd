/**
 * The functions' environment and the API's authorizer for each stage, read by serverless.yml
 * (`${file(./config/environment.cjs):...}`).
 * - stage `local`: the embedded stack of a running `npm start` (endpoints and keys in .local/stack.json);
 * - any other stage: this stage's AWS resources, and the deploy parameters (config/deploy.example.env lists them).
 * `src/lib/config.ts` is what reads and checks these variables in the functions.
 * CommonJS because the framework loads variable files with require().
 */
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

// As in local/paths.ts.
const LOCAL_STACK_FILE = join(
  process.env.VOICE_CAMPAIGN_LOCAL_DIR || join(__dirname, '..', '.local'),
  'stack.json',
);

function localStack() {
  if (process.argv.includes('deploy')) {
    throw new Error(
      'Stage "local" runs on this machine only: deploy with --stage <name>, e.g. --stage prod.',
    );
  }
  if (!existsSync(LOCAL_STACK_FILE)) {
    // One clear line rather than the same error repeated for every variable that needs the stack.
    console.error('The local stack is not running: start it with `npm start`, then run this command again.');
    process.exit(1);
  }
  return JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')).env;
}

/** A value the deploying shell must give; its absence stops the command with the variable's name. */
function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `Missing deploy parameter ${name}: set it in the environment of the sls command (see README, "Deploy").`,
    );
  }
  return value;
}

/** Exactly one of two deploy parameters, as { name: value }. */
function oneOf(first, second) {
  const given = [first, second].filter((name) => process.env[name]);
  if (given.length !== 1) throw new Error(`Set exactly one of the deploy parameters ${first} and ${second}.`);
  return { [given[0]]: process.env[given[0]] };
}

const ref = (resource) => ({ Ref: resource });

/**
 * Where the functions send their spans (docs/tracing.md): to the Lambda's X-Ray daemon, or, when the deploy parameter
 * OTLP_TRACES_ENDPOINT is set, as OTLP to that URL (X-Ray's OTLP endpoint, signed with the function's role, or a
 * collector's); only the OpenTelemetry backend has the exporter. `toXray`: the role needs X-Ray's OTLP actions.
 */
async function otlpExport(resolveVariable) {
  const endpoint = process.env.OTLP_TRACES_ENDPOINT;
  if (!endpoint) return { env: {}, toXray: false };
  const backend = await resolveVariable('param:tracingBackend');
  if (backend !== 'opentelemetry') {
    throw new Error(
      `Deploy parameter OTLP_TRACES_ENDPOINT needs the opentelemetry tracing backend; this stage builds with ${backend}.`,
    );
  }
  const region = process.env.OTLP_SIGV4_REGION;
  return {
    env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint, ...(region ? { OTLP_SIGV4_REGION: region } : {}) },
    toXray: Boolean(region) || /^https:\/\/xray\.[a-z0-9-]+\.amazonaws\.com\//.test(endpoint),
  };
}

/**
 * Where the functions that hash phone numbers read the hash key: a Secrets Manager secret (field `phoneHashKey`),
 * read by the functions at run time, so the key is in neither the repository, the template, the deploying shell
 * nor the functions' configuration.
 */
function phoneHashing() {
  if (process.env.PHONE_HASH_KEY) {
    throw new Error(
      "Deploy parameter PHONE_HASH_KEY is not used by deployed stages (the key would be readable in the functions' " +
        'configuration): store it in Secrets Manager and set PHONE_HASH_KEY_SECRET_ARN (see README, "Deploy").',
    );
  }
  return {
    PHONE_HASH_KEY_SECRET_ARN: required('PHONE_HASH_KEY_SECRET_ARN'),
    PHONE_DEFAULT_REGION: process.env.PHONE_DEFAULT_REGION || 'US',
  };
}

/**
 * A body schema from schemas/ as an API Gateway model: API Gateway validates with JSON Schema draft 4 and knows
 * nothing of `$id`. The functions validate the same schema again (with ajv), so both layers agree.
 */
function apiModel(file) {
  const read = (name) => JSON.parse(readFileSync(join(__dirname, '..', 'schemas', name), 'utf8'));
  const { $id, $schema, allOf, ...schema } = read(file);
  // A model cannot refer to a file: `allOf: [{ $ref }]` parts are written into it (its own keys win).
  const parts = (allOf ?? []).map((part) => {
    const { $id: _id, $schema: _draft, title, description, ...referenced } = read(part.$ref);
    return referenced;
  });
  return { $schema: 'http://json-schema.org/draft-04/schema#', ...Object.assign({}, ...parts), ...schema };
}

/** The request bodies API Gateway validates before a function runs, by route. */
function apiSchemas() {
  return {
    startCampaign: apiModel('startCampaignRequest.schema.json'),
    createCampaign: apiModel('createCampaignRequest.schema.json'),
    updateCampaign: apiModel('updateCampaignRequest.schema.json'),
    addContacts: apiModel('addContactsRequest.schema.json'),
    blacklistAdd: apiModel('blacklistAddRequest.schema.json'),
    blacklistLookup: apiModel('blacklistLookupRequest.schema.json'),
    blacklistRemove: apiModel('blacklistRemoveRequest.schema.json'),
  };
}

/** A comma-separated deploy parameter as a list. */
const list = (name) =>
  required(name)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  const service = await resolveVariable('self:service');
  const common = {
    SERVICE_NAME: service,
    STAGE: stage,
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_LOG_LEVEL: stage === 'local' ? 'DEBUG' : 'INFO',
  };
  const tokenAuthorizer = {
    name: 'authorizer',
    type: 'token',
    identitySource: 'method.request.header.Authorization',
    resultTtlInSeconds: 300,
  };
  if (stage === 'local') {
    const stack = localStack();
    return {
      apiSchemas: apiSchemas(),
      databaseVpc: null,
      // serverless-offline gives functions no trace header: LOCAL_TRACE_HEADERS makes one per invocation.
      provider: { ...stack, ...common, LOCAL_TRACE_HEADERS: 'true' },
      databaseSecretArns: ['arn:aws:secretsmanager:*:*:secret:none'],
      phoneHashKeySecretArns: ['arn:aws:secretsmanager:*:*:secret:none'],
      alarmEmail: 'alarms@localhost.invalid',
      authorizerEnv: {},
      authorizer: tokenAuthorizer,
      dialerWorker: { DIAL_CLAIM_LEASE_SECONDS: '60' },
      scheduler: {},
      campaignTicker: {},
      schedulerEnabled: false,
      trainModels: {},
      trainModelsEnabled: false,
      campaignModel: {},
      campaignPreview: {},
      blacklist: {},
      imports: {},
      importWorker: {},
      importSweeper: {},
      importSweeperEnabled: false,
      resultWorker: {},
    };
  }
  const otlp = await otlpExport(resolveVariable);
  const cognitoPool = process.env.AUTH_COGNITO_USER_POOL_ARN;
  const database = oneOf('DATABASE_SECRET_ARN', 'DATABASE_URL');
  const phone = phoneHashing();
  return {
    alarmEmail: required('ALARM_EMAIL'),
    apiSchemas: apiSchemas(),
    // The functions that reach PostgreSQL run in its VPC (private subnets with routes or endpoints to SQS,
    // DynamoDB, Secrets Manager and X-Ray).
    databaseVpc: { subnetIds: list('VPC_SUBNET_IDS'), securityGroupIds: list('VPC_SECURITY_GROUP_IDS') },
    // The only secret the functions may read; a stage without one names none that exists.
    databaseSecretArns: [
      database.DATABASE_SECRET_ARN ?? `arn:aws:secretsmanager:*:*:secret:${service}-${stage}-none`,
    ],
    phoneHashKeySecretArns: [phone.PHONE_HASH_KEY_SECRET_ARN],
    otlpToXray: otlp.toXray,
    provider: {
      ...common,
      ...otlp.env,
      ...database,
      // Production connections verify the server certificate (the Lambda runtime trusts the RDS certificates).
      DATABASE_SSL: 'true',
    },
    // A Cognito user pool authorizes the API when one is given; otherwise the JWT-verifying Lambda authorizer.
    authorizer: cognitoPool ? { type: 'COGNITO_USER_POOLS', arn: cognitoPool } : tokenAuthorizer,
    authorizerEnv: cognitoPool
      ? {}
      : {
          AUTH_JWKS_URL: required('AUTH_JWKS_URL'),
          AUTH_ISSUER: required('AUTH_ISSUER'),
          AUTH_AUDIENCE: required('AUTH_AUDIENCE'),
        },
    dialerWorker: {
      ...phone,
      BLACKLIST_TABLE: ref('BlacklistTable'),
      ASTERISK_CALLS_QUEUE_URL: ref('AsteriskCallsQueue'),
      // Twice the timeout: a claim outlives the invocation that made it, and expires before the redelivery
      // (visibility timeout: 6 x timeout), so a call that may not have gone out is sent again.
      DIAL_CLAIM_LEASE_SECONDS: '60',
    },
    scheduler: { CAMPAIGN_TICKS_QUEUE_URL: ref('CampaignTicksQueue') },
    campaignTicker: { DIAL_TASKS_QUEUE_URL: ref('DialTasksQueue'), MODEL_BUCKET: ref('ModelBucket') },
    schedulerEnabled: true,
    trainModels: { MODEL_BUCKET: ref('ModelBucket') },
    trainModelsEnabled: true,
    campaignModel: { MODEL_BUCKET: ref('ModelBucket') },
    campaignPreview: { BLACKLIST_TABLE: ref('BlacklistTable') },
    blacklist: { BLACKLIST_TABLE: ref('BlacklistTable'), ...phone },
    resultWorker: { BLACKLIST_TABLE: ref('BlacklistTable'), ...phone },
    imports: { IMPORT_BUCKET: ref('ImportBucket') },
    importWorker: { IMPORT_BUCKET: ref('ImportBucket'), IMPORTS_QUEUE_URL: ref('ImportsQueue') },
    importSweeper: { IMPORTS_QUEUE_URL: ref('ImportsQueue') },
    importSweeperEnabled: true,
  };
};
