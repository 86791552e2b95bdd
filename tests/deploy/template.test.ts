/**
 * The prod stage as `sls deploy --stage prod` would create it: packaged offline with the example deploy parameters,
 * and asserted on the CloudFormation template. No AWS account is needed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import JSZip from 'jszip';

const ApiThrottling = createRequire(import.meta.url)('../../config/plugins/apiThrottling.cjs') as {
  throttlingPatchOperations(service: unknown): unknown[];
};

const ROOT = join(import.meta.dirname, '..', '..');
const SLS = join(ROOT, 'node_modules', '.bin', 'sls');

/** The example deploy parameters, as a deploying shell would export them. */
function exampleParameters(): Record<string, string> {
  const text = readFileSync(join(ROOT, 'config', 'deploy.example.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const workFolder = `.esbuild-template-test-${process.pid}`;

function packageProd(dir: string, parameters: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...parameters, ESBUILD_WORK_FOLDER: workFolder };
  for (const name of [
    ...Object.keys(exampleParameters()),
    'PHONE_HASH_KEY',
    'OTLP_TRACES_ENDPOINT',
    'OTLP_SIGV4_REGION',
  ]) {
    if (!(name in parameters)) delete env[name];
  }
  return spawnSync(SLS, ['package', '--stage', 'prod', '--package', dir], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
}

type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };
const outDir = await mkdtemp(join(tmpdir(), 'voice-campaign-package-'));
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
  await rm(join(ROOT, workFolder), { recursive: true, force: true });
});
const packaged = packageProd(outDir, exampleParameters());
const template = JSON.parse(
  readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
) as {
  Resources: Record<string, Resource>;
};
const resources = Object.entries(template.Resources);
const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);
// biome-ignore lint/suspicious/noExplicitAny: template properties are free-form JSON, read by path in assertions
const props = (id: string) => (template.Resources[id]?.Properties ?? {}) as Record<string, any>;

const CAMPAIGN_API = [
  'startCampaign',
  'pauseCampaign',
  'resumeCampaign',
  'cancelCampaign',
  'createCampaign',
  'listCampaigns',
  'updateCampaign',
  'deleteCampaign',
  'addContacts',
  'listContacts',
  'deleteContact',
  'listAttempts',
];
const IMPORT_API = ['createImport', 'getImport', 'cancelImport'];
const DATABASE_FUNCTIONS = [
  'campaignStatus',
  'campaignMetrics',
  'campaignModel',
  'trainModel',
  'campaignPreview',
  ...CAMPAIGN_API,
  ...IMPORT_API,
  'importWorker',
  'importSweeper',
  'scheduler',
  'campaignTicker',
  'trainModels',
  'dialerWorker',
  'resultWorker',
];
const FUNCTIONS = [
  'authorizer',
  'publishDashboard',
  'campaignStatus',
  'campaignMetrics',
  'campaignModel',
  'trainModel',
  'campaignPreview',
  ...CAMPAIGN_API,
  ...IMPORT_API,
  'importWorker',
  'importSweeper',
  'blacklistAdd',
  'blacklistCheck',
  'blacklistRemove',
  'scheduler',
  'campaignTicker',
  'trainModels',
  'dialerWorker',
  'resultWorker',
];
/** The functions behind the REST API: its routes and its authorizer. */
const API_FUNCTIONS = [
  'authorizer',
  'campaignStatus',
  'campaignMetrics',
  'campaignModel',
  'trainModel',
  'campaignPreview',
  ...CAMPAIGN_API,
  ...IMPORT_API,
  'blacklistAdd',
  'blacklistCheck',
  'blacklistRemove',
];
const cap = (name: string) => name[0]?.toUpperCase() + name.slice(1);
const getAtt = (resource: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [resource, attribute] });
const X_RAY = { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' };
const SECRET = {
  Action: ['secretsmanager:GetSecretValue'],
  Resource: exampleParameters().DATABASE_SECRET_ARN,
};
const PHONE_KEY_SECRET = {
  Action: ['secretsmanager:GetSecretValue'],
  Resource: exampleParameters().PHONE_HASH_KEY_SECRET_ARN,
};
const table = (...actions: string[]) => ({ Action: actions, Resource: getAtt('BlacklistTable') });
const send = (queue: string) => ({ Action: ['sqs:SendMessage'], Resource: getAtt(queue) });
const inBucket = (path: string, bucket = 'ImportBucket') => ({ 'Fn::Join': ['', [getAtt(bucket), path]] });
/** The model bucket's models/: these actions on its objects, and listing them (a missing model a 404, not a 403). */
const models = (...actions: string[]) => [
  { Action: actions, Resource: inBucket('/models/*', 'ModelBucket') },
  {
    Action: ['s3:ListBucket'],
    Resource: getAtt('ModelBucket'),
    Condition: { StringLike: { 's3:prefix': ['models/*'] } },
  },
];
const consume = (queue: string) => ({
  Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
  Resource: [getAtt(queue)],
});

/** Every statement each function's role may hold beyond writing its own logs: nothing else is allowed. */
const ALLOWED: Record<string, unknown[]> = {
  authorizer: [X_RAY],
  campaignStatus: [X_RAY, SECRET],
  campaignMetrics: [X_RAY, SECRET],
  publishDashboard: [
    X_RAY,
    { Action: ['s3:PutObject', 's3:DeleteObject'], Resource: inBucket('/*', 'DashboardBucket') },
    { Action: ['s3:ListBucket'], Resource: getAtt('DashboardBucket') },
  ],
  campaignModel: [X_RAY, SECRET, ...models('s3:GetObject')],
  trainModel: [X_RAY, SECRET, ...models('s3:GetObject', 's3:PutObject')],
  campaignPreview: [X_RAY, SECRET, table('dynamodb:BatchGetItem')],
  ...Object.fromEntries(CAMPAIGN_API.map((name) => [name, [X_RAY, SECRET]])),
  blacklistAdd: [X_RAY, PHONE_KEY_SECRET, table('dynamodb:GetItem', 'dynamodb:UpdateItem')],
  blacklistCheck: [X_RAY, PHONE_KEY_SECRET, table('dynamodb:GetItem')],
  blacklistRemove: [X_RAY, PHONE_KEY_SECRET, table('dynamodb:GetItem', 'dynamodb:UpdateItem')],
  createImport: [X_RAY, SECRET, { Action: ['s3:PutObject'], Resource: inBucket('/uploads/*') }],
  getImport: [X_RAY, SECRET, { Action: ['s3:GetObject'], Resource: inBucket('/rejects/*') }],
  cancelImport: [X_RAY, SECRET],
  importWorker: [
    X_RAY,
    SECRET,
    { Action: ['s3:GetObject'], Resource: inBucket('/uploads/*') },
    {
      Action: ['s3:ListBucket'],
      Resource: getAtt('ImportBucket'),
      Condition: { StringLike: { 's3:prefix': ['uploads/*'] } },
    },
    { Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: inBucket('/rejects/*') },
    send('ImportsQueue'),
    consume('ImportsQueue'),
  ],
  scheduler: [X_RAY, SECRET, send('CampaignTicksQueue')],
  campaignTicker: [
    X_RAY,
    SECRET,
    send('DialTasksQueue'),
    ...models('s3:GetObject'),
    consume('CampaignTicksQueue'),
  ],
  trainModels: [X_RAY, SECRET, ...models('s3:GetObject', 's3:PutObject')],
  importSweeper: [X_RAY, SECRET, send('ImportsQueue')],
  dialerWorker: [
    X_RAY,
    SECRET,
    PHONE_KEY_SECRET,
    table('dynamodb:BatchGetItem'),
    send('AsteriskCallsQueue'),
    consume('DialTasksQueue'),
  ],
  resultWorker: [
    X_RAY,
    SECRET,
    PHONE_KEY_SECRET,
    table('dynamodb:GetItem', 'dynamodb:UpdateItem'),
    consume('CallResultsQueue'),
  ],
};

describe('the prod template', () => {
  it('packages offline with the example deploy parameters', () => {
    expect(packaged.status).toBe(0);
  });

  it.each(FUNCTIONS)(
    '%s: traced, arm64, log retention, a timeout that fits its trigger, its memory',
    (name) => {
      const fn = props(`${cap(name)}LambdaFunction`);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.Runtime).toBe('nodejs24.x');
      // API Gateway waits 29 s for a REST integration (and its authorizer); a tick must end before the next minute's;
      // an SQS-triggered function's timeout is checked against its queue's visibility below.
      if (API_FUNCTIONS.includes(name)) expect(fn.Timeout).toBeLessThanOrEqual(29);
      if (name === 'scheduler') expect(fn.Timeout).toBeLessThan(60);
      if (name === 'importWorker') expect(fn.Timeout).toBe(900);
      // 1,769 MB is one full vCPU: the import parses and commits at once; every other function has the default.
      expect(fn.MemorySize).toBe(name === 'importWorker' ? 1769 : 512);
      expect(props(`${cap(name)}LogGroup`).RetentionInDays).toBe(90);
    },
  );

  it.each(FUNCTIONS)('%s: in the database VPC exactly when it reaches PostgreSQL', (name) => {
    const vpc = props(`${cap(name)}LambdaFunction`).VpcConfig;
    const managed = props(`${cap(name)}IamRoleLambdaExecution`).ManagedPolicyArns;
    if (DATABASE_FUNCTIONS.includes(name)) {
      expect(vpc).toEqual({
        SubnetIds: exampleParameters().VPC_SUBNET_IDS?.split(','),
        SecurityGroupIds: [exampleParameters().VPC_SECURITY_GROUP_IDS],
      });
      // Lambda's own policy for network interfaces in a VPC (its EC2 actions take no resource).
      expect(JSON.stringify(managed)).toContain(
        ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
      );
      expect(managed).toHaveLength(1);
    } else {
      expect(vpc).toBeUndefined();
      expect(managed).toEqual([]);
    }
  });

  it.each(FUNCTIONS)('%s: a role of its own, each statement scoped to what it needs', (name) => {
    const roleId = `${cap(name)}IamRoleLambdaExecution`;
    expect(props(`${cap(name)}LambdaFunction`).Role).toEqual(getAtt(roleId));
    const statements = (
      props(roleId).Policies[0].PolicyDocument.Statement as Array<Record<string, unknown>>
    ).map(({ Action, Resource, Condition }) => ({ Action, Resource, ...(Condition ? { Condition } : {}) }));
    const [logs, ...rest] = statements;
    expect(JSON.stringify(logs?.Resource)).toContain(`/aws/lambda/voice-campaign-prod-${name}:`);
    expect(rest).toEqual(expect.arrayContaining(ALLOWED[name] ?? []));
    expect(rest).toHaveLength(ALLOWED[name]?.length ?? 0);
    for (const statement of rest) {
      for (const action of [statement.Action].flat()) expect(String(action)).not.toMatch(/\*/);
      if (statement.Resource === '*') expect(statement).toEqual(X_RAY);
    }
  });

  it('leaves out the framework\u2019s shared role: no function has a role it does not need', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = ofType('AWS::IAM::Role').map(([id]) => id);
    expect(roles.filter((id) => id.endsWith('IamRoleLambdaExecution')).sort()).toEqual(
      FUNCTIONS.map((name) => `${cap(name)}IamRoleLambdaExecution`).sort(),
    );
  });

  it('alarms the same way for every function and every dead-letter queue, and encrypts every queue', () => {
    const alarm = (
      metric: string,
      namespace: string,
      dimension: unknown,
      statistic: string,
      period: number,
    ) => ({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [dimension],
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
    for (const name of FUNCTIONS) {
      const fn = { Name: 'FunctionName', Value: { Ref: `${cap(name)}LambdaFunction` } };
      for (const metric of ['Errors', 'Throttles']) {
        const { AlarmDescription, ...rest } = props(`${cap(name)}${metric}Alarm`);
        expect(rest).toEqual(alarm(metric, 'AWS/Lambda', fn, 'Sum', 300));
        expect(AlarmDescription).toMatch(new RegExp(`^${name} had (failed|throttled) invocations`));
      }
    }
    const queues = ofType('AWS::SQS::Queue').map(([id]) => id);
    const deadLetterQueues = queues.filter((id) => id.endsWith('DeadLetterQueue'));
    expect(deadLetterQueues.sort()).toEqual(
      ['AsteriskCalls', 'CallResults', 'CampaignTicks', 'DialTasks', 'Imports'].map(
        (q) => `${q}DeadLetterQueue`,
      ),
    );
    for (const dlq of deadLetterQueues) {
      const queueName = { Name: 'QueueName', Value: getAtt(dlq, 'QueueName') };
      const { AlarmDescription, OKActions, ...rest } = props(dlq.replace(/Queue$/, 'Alarm'));
      expect(rest).toEqual(alarm('ApproximateNumberOfMessagesVisible', 'AWS/SQS', queueName, 'Maximum', 60));
      expect(OKActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(AlarmDescription).toContain('docs/operations.md');
    }
    for (const queue of queues) expect(props(queue).SqsManagedSseEnabled).toBe(true);
  });

  it('keeps phone numbers out of every URL: no route takes a number in its path or query string', () => {
    const pathParts = ofType('AWS::ApiGateway::Resource').map(([, resource]) =>
      String(resource.Properties.PathPart),
    );
    expect(pathParts.sort()).toEqual([
      'attempts',
      'blacklist',
      'campaigns',
      'cancel',
      'contacts',
      'imports',
      'lookup',
      'metrics',
      'model',
      'model',
      'pause',
      'preview',
      'remove',
      'resume',
      'start',
      'train',
      '{campaignId}',
      '{contactId}',
      '{importId}',
    ]);
    for (const [, method] of ofType('AWS::ApiGateway::Method')) {
      const parameters = Object.keys((method.Properties.RequestParameters ?? {}) as object);
      const ids = ['campaignId', 'contactId', 'importId'].map((id) => `method.request.path.${id}`);
      expect(parameters.filter((name) => !ids.includes(name))).toEqual([]);
    }
  });

  it('puts the authorizer on every route of the REST API, validates bodies at the edge, and logs access', () => {
    const methods = ofType('AWS::ApiGateway::Method');
    expect(methods).toHaveLength(23);
    // Opening an import takes an optional body (the phone column's name), checked by the function; the file goes to
    // S3 with the form it answers. The run's controls and training a model take none.
    const bodiless = [
      'ApiGatewayMethodCampaignsCampaignidVarImportsPost',
      'ApiGatewayMethodCampaignsCampaignidVarPausePost',
      'ApiGatewayMethodCampaignsCampaignidVarResumePost',
      'ApiGatewayMethodCampaignsCampaignidVarCancelPost',
      'ApiGatewayMethodModelTrainPost',
    ];
    for (const [id, method] of methods) {
      expect(method.Properties.AuthorizationType).toBe('CUSTOM');
      expect(method.Properties.AuthorizerId).toEqual({ Ref: 'AuthorizerApiGatewayAuthorizer' });
      const withBody =
        ['POST', 'PUT', 'PATCH'].includes(String(method.Properties.HttpMethod)) && !bodiless.includes(id);
      expect(method.Properties.RequestValidatorId !== undefined).toBe(withBody);
    }
    const models = ofType('AWS::ApiGateway::Model').map(
      ([, model]) => model.Properties.Schema as Record<string, unknown>,
    );
    expect(models).toHaveLength(7);
    for (const schema of models) {
      expect(schema).toMatchObject({
        $schema: 'http://json-schema.org/draft-04/schema#',
        additionalProperties: false,
      });
      expect(schema.$id).toBeUndefined();
    }
    expect(props('ApiGatewayLogGroup')).toMatchObject({
      LogGroupName: '/aws/api-gateway/voice-campaign-prod',
      RetentionInDays: 90,
    });
    // An unknown route is a 404 with a message, as locally, not API Gateway's "Missing Authentication Token"
    expect(props('UnknownRouteGatewayResponse')).toEqual({
      RestApiId: { Ref: 'ApiGatewayRestApi' },
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: { 'application/json': '{"message":"No route matches this method and path"}' },
    });
  });

  it('sets the API stage after deploy: X-Ray tracing, access logs, and request limits for every route and campaign starts', () => {
    const { service } = JSON.parse(readFileSync(join(outDir, 'serverless-state.json'), 'utf8'));
    expect(service.provider.tracing).toEqual({ lambda: true, apiGateway: true });
    expect(service.provider.logs.restApi).toMatchObject({ accessLogging: true, executionLogging: false });
    // The access log names the route's template, never the request's path or query string
    const format = service.provider.logs.restApi.format as string;
    expect(JSON.parse(format).resourcePath).toBe('$context.resourcePath');
    expect(format).not.toMatch(/\$context\.(path|requestOverride)|querystring|\$input/i);
    expect(service.plugins).toContain('./config/plugins/apiThrottling.cjs');
    expect(ApiThrottling.throttlingPatchOperations(service)).toEqual([
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '200' },
      { op: 'replace', path: '/*/*/throttling/burstLimit', value: '400' },
      { op: 'replace', path: '/~1campaigns~1{campaignId}~1start/POST/throttling/rateLimit', value: '5' },
      { op: 'replace', path: '/~1campaigns~1{campaignId}~1start/POST/throttling/burstLimit', value: '10' },
    ]);
  });

  it.each([
    ['DialTasksQueue', 'DialTasksDeadLetterQueue', 'dialerWorker'],
    ['ImportsQueue', 'ImportsDeadLetterQueue', 'importWorker'],
    ['AsteriskCallsQueue', 'AsteriskCallsDeadLetterQueue', undefined],
    ['CallResultsQueue', 'CallResultsDeadLetterQueue', 'resultWorker'],
    ['CampaignTicksQueue', 'CampaignTicksDeadLetterQueue', 'campaignTicker'],
  ])(
    '%s: a DLQ after 5 receives, encrypted, visible again only after 6 x its consumer\u2019s timeout',
    (queue, dlq, consumer) => {
      const main = props(queue);
      expect(main.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt(dlq), maxReceiveCount: 5 });
      expect(main.SqsManagedSseEnabled).toBe(true);
      expect(props(dlq).SqsManagedSseEnabled).toBe(true);
      expect(props(dlq).MessageRetentionPeriod).toBe(1_209_600);
      if (consumer)
        expect(main.VisibilityTimeout).toBeGreaterThanOrEqual(
          6 * props(`${cap(consumer)}LambdaFunction`).Timeout,
        );
    },
  );

  it('runs the scheduler every minute, one tick at a time, the import sweeper every 5 minutes, the trainer daily', () => {
    const rules = ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties);
    expect(rules).toHaveLength(3);
    const target = (name: string) => rules.find((rule) => JSON.stringify(rule.Targets).includes(name));
    expect(target('SchedulerLambdaFunction')).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
    });
    expect(props('SchedulerLambdaFunction').ReservedConcurrentExecutions).toBe(1);
    expect(target('ImportSweeperLambdaFunction')).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
    });
    expect(target('TrainModelsLambdaFunction')).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
    });
  });

  it('triggers the SQS functions with partial batch failures and a concurrency cap', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    expect(mappings).toHaveLength(4);
    for (const mapping of mappings) {
      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(
        (mapping.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency,
      ).toBeGreaterThanOrEqual(2);
    }
  });

  it('keeps the import bucket private: no public access, encrypted, TLS only, uploads and rejects expire', () => {
    const bucket = props('ImportBucket');
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    const rules = Object.fromEntries(
      bucket.LifecycleConfiguration.Rules.map((rule: { Prefix: string }) => [rule.Prefix, rule]),
    );
    expect(rules['uploads/']).toMatchObject({ Status: 'Enabled', ExpirationInDays: 2 });
    expect(rules['rejects/']).toMatchObject({ Status: 'Enabled', ExpirationInDays: 7 });
    expect(rules['']).toMatchObject({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } });
    const [tlsOnly] = props('ImportBucketPolicy').PolicyDocument.Statement;
    expect(tlsOnly).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    // Uploads (only) notify the imports queue, which accepts messages from this bucket alone
    expect(bucket.NotificationConfiguration.QueueConfigurations).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Queue: getAtt('ImportsQueue'),
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
      },
    ]);
    const [fromS3] = props('ImportsQueuePolicy').PolicyDocument.Statement;
    expect(fromS3).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(JSON.stringify(fromS3.Condition.ArnEquals)).toContain(':s3:::voice-campaign-prod-imports-');
    expect(template.Resources.ImportBucket?.DependsOn).toEqual(['ImportsQueuePolicy']);
    expect(props('ImportWorkerLambdaFunction')).toMatchObject({ Timeout: 900, MemorySize: 1769 });
  });

  it('keeps the model bucket private: no public access, encrypted, TLS only, read by the campaign ticker, written by the trainer', () => {
    const bucket = props('ModelBucket');
    expect(bucket.BucketName).toEqual({ 'Fn::Sub': `voice-campaign-prod-models-\${AWS::AccountId}` });
    expect(bucket.PublicAccessBlockConfiguration).toEqual(
      props('ImportBucket').PublicAccessBlockConfiguration,
    );
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.BucketEncryption).toEqual(props('ImportBucket').BucketEncryption);
    // Models are kept: nothing expires but multipart uploads never completed.
    expect(bucket.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Prefix: '', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    ]);
    expect(props('ModelBucketPolicy').PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    const env = (name: string) => props(`${cap(name)}LambdaFunction`).Environment.Variables;
    expect(env('campaignTicker').MODEL_BUCKET).toEqual({ Ref: 'ModelBucket' });
    expect(env('trainModels').MODEL_BUCKET).toEqual({ Ref: 'ModelBucket' });
    expect(env('campaignModel').MODEL_BUCKET).toEqual({ Ref: 'ModelBucket' });
    expect(env('trainModel').MODEL_BUCKET).toEqual({ Ref: 'ModelBucket' });
    expect(props('TrainModelsLambdaFunction')).toMatchObject({ Timeout: 300, MemorySize: 512 });
  });

  it('serves the dashboard from a private bucket through CloudFront with origin access control, the API on the same origin', () => {
    const bucket = props('DashboardBucket');
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(bucket.WebsiteConfiguration).toBeUndefined();
    // Only the distribution reads it, by its ARN; nothing else is allowed.
    const statements = props('DashboardBucketPolicy').PolicyDocument.Statement;
    const allowed = statements.filter((statement: { Effect: string }) => statement.Effect === 'Allow');
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
    });
    expect(JSON.stringify(allowed[0].Condition)).toContain(`distribution/\${DashboardDistribution}`);
    expect(props('DashboardOriginAccessControl').OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
    });

    const config = props('DashboardDistribution').DistributionConfig;
    const [page, api] = config.Origins;
    expect(page.OriginAccessControlId).toEqual(getAtt('DashboardOriginAccessControl', 'Id'));
    expect(page.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(api).toMatchObject({
      OriginPath: '/prod',
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only' },
    });
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: 'page',
      ViewerProtocolPolicy: 'redirect-to-https',
    });
    // Every route of the API goes to the API, never cached, with the caller's token.
    const routes = ofType('AWS::ApiGateway::Resource')
      .filter(([, resource]) => JSON.stringify(resource.Properties.ParentId).includes('RootResourceId'))
      .map(([, resource]) => `/${resource.Properties.PathPart}*`);
    expect(config.CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern).sort()).toEqual(
      routes.sort(),
    );
    for (const behaviour of config.CacheBehaviors)
      expect(behaviour).toMatchObject({
        TargetOriginId: 'api',
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      });
    // The page's policy: its own origin and the import bucket's upload form; the bucket answers that origin's form.
    const csp = JSON.stringify(
      props('DashboardHeadersPolicy').ResponseHeadersPolicyConfig.SecurityHeadersConfig,
    );
    expect(csp).toContain("default-src 'self'; connect-src 'self' https://voice-campaign-prod-imports-");
    expect(props('ImportBucket').CorsConfiguration.CorsRules).toEqual([
      {
        AllowedOrigins: [{ 'Fn::Sub': `https://\${DashboardDistribution.DomainName}` }],
        AllowedMethods: ['POST'],
        AllowedHeaders: ['*'],
        MaxAge: 3000,
      },
    ]);
  });

  it('holds the page in the package and writes it with the API\u2019s URL at each deploy', async () => {
    expect(props('DashboardFiles')).toMatchObject({
      ServiceToken: getAtt('PublishDashboardLambdaFunction'),
      Bucket: { Ref: 'DashboardBucket' },
      Version: expect.stringMatching(/^[0-9a-f]{16}$/),
      ApiUrl: { 'Fn::Sub': `https://\${ApiGatewayRestApi}.execute-api.\${AWS::Region}.amazonaws.com/prod/` },
    });
    const zip = await JSZip.loadAsync(readFileSync(join(outDir, 'publishDashboard.zip')));
    const files = Object.keys(zip.files).filter((name) => name.startsWith('web/dist/'));
    expect(files.sort()).toEqual([
      'web/dist/app.css',
      'web/dist/app.js',
      'web/dist/favicon.svg',
      'web/dist/index.html',
    ]);
    expect(await zip.file('web/dist/index.html')?.async('string')).toContain(
      '<script type="module" src="app.js">',
    );
    // The page is only in that function's package.
    const other = await JSZip.loadAsync(readFileSync(join(outDir, 'campaignStatus.zip')));
    expect(Object.keys(other.files).some((name) => name.startsWith('web/'))).toBe(false);
  });

  it('builds every function with the OpenTelemetry backend by default, without the X-Ray SDK', async () => {
    for (const name of FUNCTIONS) {
      const zip = await JSZip.loadAsync(readFileSync(join(outDir, `${name}.zip`)));
      const code = await zip.file(`src/functions/${name}.cjs`)?.async('string');
      expect({ name, openTelemetry: code?.includes('opentelemetry.js.api') }).toEqual({
        name,
        openTelemetry: true,
      });
      // The X-Ray SDK's context (cls-hooked) and its settings are nowhere in the bundle.
      expect({ name, xraySdk: /cls-hooked|AWS_XRAY_CONTEXT_MISSING/.test(code ?? '') }).toEqual({
        name,
        xraySdk: false,
      });
    }
  });

  it('keeps the blacklist table safe: on demand, point-in-time recovery, encrypted, deletion protection in prod', () => {
    const blacklist = props('BlacklistTable');
    expect(blacklist.BillingMode).toBe('PAY_PER_REQUEST');
    expect(blacklist.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(blacklist.SSESpecification).toEqual({ SSEEnabled: true });
    expect(blacklist.DeletionProtectionEnabled).toBe(true);
  });

  it('samples 5% of API requests by default, every campaign start, and groups errors and faults', () => {
    const rules = ofType('AWS::XRay::SamplingRule').map(
      ([, rule]) => rule.Properties.SamplingRule as Record<string, unknown>,
    );
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ FixedRate: 0.05, URLPath: '*', ServiceName: 'prod-voice-campaign/prod' }),
        expect.objectContaining({ FixedRate: 1, URLPath: '/campaigns/*/start', HTTPMethod: 'POST' }),
      ]),
    );
    for (const rule of rules) expect(String(rule.RuleName).length).toBeLessThanOrEqual(32);
    const groups = ofType('AWS::XRay::Group').map(([, group]) => String(group.Properties.FilterExpression));
    expect(groups).toEqual(
      expect.arrayContaining([
        '(error = true OR fault = true) AND annotation.environment = "prod"',
        'service("voice-campaign-prod-dialerWorker")',
        'service("voice-campaign-prod-startCampaign")',
      ]),
    );
  });

  it('alarms on every DLQ, every function\u2019s errors and throttles, and the dialer\u2019s backlog, to the alarm topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([id, alarm]) => [id, alarm.Properties] as const);
    const ids = alarms.map(([id]) => id);
    for (const dlq of ['DialTasks', 'CallResults', 'AsteriskCalls'])
      expect(ids).toContain(`${dlq}DeadLetterAlarm`);
    for (const name of FUNCTIONS) {
      expect(ids).toContain(`${cap(name)}ErrorsAlarm`);
      expect(ids).toContain(`${cap(name)}ThrottlesAlarm`);
    }
    expect(ids).toContain('DialTasksAgeAlarm');
    expect(ids).toContain('CampaignTicksAgeAlarm');
    for (const [, alarm] of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(props('AlarmEmailSubscription')).toMatchObject({
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('holds no database password: the functions read the connection from a secret', () => {
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/postgresql:\/\/[^"]*:[^"]*@/);
    expect(props('DialerWorkerLambdaFunction').Environment.Variables.DATABASE_SECRET_ARN).toBe(
      SECRET.Resource,
    );
  });

  it('gives the phone-hash key only by its secret, and only to the functions that hash numbers', () => {
    const hashing = ['blacklistAdd', 'blacklistCheck', 'blacklistRemove', 'dialerWorker', 'resultWorker'];
    const key = exampleParameters().PHONE_HASH_KEY_SECRET_ARN;
    for (const name of FUNCTIONS) {
      const variables = props(`${cap(name)}LambdaFunction`).Environment.Variables;
      expect(variables.PHONE_HASH_KEY).toBeUndefined();
      expect(variables.PHONE_HASH_KEY_SECRET_ARN).toBe(hashing.includes(name) ? key : undefined);
    }
    expect(JSON.stringify(template)).not.toContain('resolve:secretsmanager');
  });

  it('sends spans to X-Ray\u2019s OTLP endpoint when asked: the endpoint in every function, X-Ray\u2019s OTLP writes in every role', () => {
    const dir = join(outDir, 'otlp');
    const endpoint = 'https://xray.us-east-1.amazonaws.com/v1/traces';
    const result = packageProd(dir, { ...exampleParameters(), OTLP_TRACES_ENDPOINT: endpoint });
    expect(result.status).toBe(0);
    const withOtlp = JSON.parse(
      readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as {
      Resources: Record<string, Resource>;
    };
    const of = (t: { Resources: Record<string, Resource> }, type: string) =>
      Object.values(t.Resources).filter((resource) => resource.Type === type);
    // The project's functions (the framework's own custom-resource function has no environment of theirs)
    const variables = of(withOtlp, 'AWS::Lambda::Function')
      .map(
        (fn) => (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      )
      .filter((v) => v?.STAGE === 'prod');
    expect(variables.length).toBeGreaterThan(20);
    expect(variables.every((v) => v?.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT === endpoint)).toBe(true);
    const actions = (t: { Resources: Record<string, Resource> }) =>
      of(t, 'AWS::IAM::Role').map((role) =>
        (role.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<{ Action: string[] }> } }>)
          .flatMap((policy) => policy.PolicyDocument.Statement)
          .flatMap((statement) => statement.Action),
      );
    const lambdaRoles = actions(withOtlp).filter((list) => list.includes('xray:PutTraceSegments'));
    expect(lambdaRoles.length).toBe(variables.length);
    expect(lambdaRoles.every((list) => list.includes('xray:PutSpans'))).toBe(true);
    // Without the parameter: the daemon, and no OTLP action
    expect(actions(template).flat()).not.toContain('xray:PutSpans');
  });

  it('refuses an OTLP endpoint with the X-Ray SDK backend, which has no OTLP exporter', () => {
    const result = spawnSync(SLS, ['print', '--stage', 'prod', '--param', 'tracingBackend=xray'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...exampleParameters(),
        OTLP_TRACES_ENDPOINT: 'https://collector.example.com/v1/traces',
      },
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(
      'OTLP_TRACES_ENDPOINT needs the opentelemetry tracing backend',
    );
  });

  it('refuses a phone-hash key given as a deploy parameter: it would be readable in the functions\u2019 configuration', () => {
    const result = packageProd(join(outDir, 'raw-key'), {
      ...exampleParameters(),
      PHONE_HASH_KEY: 'a-raw-key-0123456789abcdef',
    });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('PHONE_HASH_KEY_SECRET_ARN');
  });

  it.each(['PHONE_HASH_KEY_SECRET_ARN', 'ALARM_EMAIL', 'AUTH_JWKS_URL', 'VPC_SUBNET_IDS'])(
    'refuses to package without %s, naming it',
    (name) => {
      const parameters = exampleParameters();
      delete parameters[name];
      const result = packageProd(join(outDir, `missing-${name}`), parameters);
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain(`Missing deploy parameter ${name}`);
    },
  );
});
