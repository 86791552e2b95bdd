/**
 * The service's queues, table and alarms, in one place: serverless.yml takes its resources and the queues' consumer
 * settings from here (`${file(./config/infrastructure.cjs):...}`), and the local stack (local/stack.ts) creates the
 * same queues, dead-letter queues and table from the same definitions, so the two cannot drift apart.
 * CommonJS because the framework loads variable files with require().
 */

/** A dead-letter queue keeps what it holds for 14 days (the most SQS allows). */
const DLQ_RETENTION_SECONDS = 1_209_600;

/**
 * The queues. A consumer's visibility timeout is 6 x its function's timeout, as AWS advises for Lambda event
 * sources; every queue redrives to its DLQ after `maxReceiveCount` receives.
 */
const QUEUES = {
  dialTasks: {
    resource: 'DialTasks',
    name: 'dial-tasks',
    visibilityTimeout: 180,
    maxReceiveCount: 5,
    consumer: { function: 'dialerWorker', batchSize: 10, maximumBatchingWindow: 1 },
  },
  imports: {
    resource: 'Imports',
    name: 'imports',
    // 6 x the import worker's 15 minutes. An import that has to go on sends itself a new message at once; only a
    // crashed invocation waits this long for its redelivery (which resumes from the checkpoint).
    visibilityTimeout: 5400,
    maxReceiveCount: 5,
    // One file at a time: an invocation spends its whole time on it.
    consumer: { function: 'importWorker', batchSize: 1 },
  },
  asteriskCalls: {
    resource: 'AsteriskCalls',
    name: 'asterisk-calls',
    visibilityTimeout: 60,
    maxReceiveCount: 5,
  },
  // The minute's tick in groups of campaigns (src/functions/scheduler.ts), each ticked by a campaignTicker invocation.
  // A group that failed comes back after the visibility timeout; by then a later tick has usually ticked its
  // campaigns, and the claim leaves those alone.
  campaignTicks: {
    resource: 'CampaignTicks',
    name: 'campaign-ticks',
    visibilityTimeout: 360,
    maxReceiveCount: 5,
    // One group an invocation: groups run in parallel, a slow campaign holds up its group only.
    consumer: { function: 'campaignTicker', batchSize: 1 },
  },
  // What the telephony workers report of each call (docs/telephony.md).
  callResults: {
    resource: 'CallResults',
    name: 'call-results',
    visibilityTimeout: 180,
    maxReceiveCount: 5,
    consumer: { function: 'resultWorker', batchSize: 10, maximumBatchingWindow: 1 },
  },
};

/** The do-not-call list: one item per E.164 number. */
const BLACKLIST_TABLE = { resource: 'BlacklistTable', name: 'blacklist', key: 'phoneNumber' };

/**
 * The bucket CSV imports are uploaded to (uploads/, by presigned POST) and their rejects files written to (rejects/).
 * Both hold phone numbers: private, encrypted, TLS only, and kept briefly.
 */
const IMPORT_BUCKET = {
  resource: 'ImportBucket',
  name: 'imports',
  uploadsPrefix: 'uploads/',
  rejectsPrefix: 'rejects/',
  uploadsDays: 2,
  rejectsDays: 7,
};

/**
 * The bucket of trained answer models (docs/best-time.md): each version an immutable object under models/, with each
 * owner's promoted version. No phone numbers; private, encrypted, TLS only, kept (a model is small).
 */
const MODEL_BUCKET = { resource: 'ModelBucket', name: 'models', prefix: 'models/' };

/** Every function: its failed and its throttled invocations each raise an alarm. */
const ALARMED_FUNCTIONS = [
  'authorizer',
  'startCampaign',
  'pauseCampaign',
  'resumeCampaign',
  'cancelCampaign',
  'campaignStatus',
  'campaignMetrics',
  'publishDashboard',
  'campaignModel',
  'trainModel',
  'campaignPreview',
  'createCampaign',
  'listCampaigns',
  'updateCampaign',
  'deleteCampaign',
  'addContacts',
  'listContacts',
  'deleteContact',
  'listAttempts',
  'createImport',
  'getImport',
  'cancelImport',
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

const capitalised = (name) => name[0].toUpperCase() + name.slice(1);
const topic = { Ref: 'AlarmTopic' };

function alarm({
  description,
  namespace,
  metric,
  dimension,
  statistic,
  period,
  evaluationPeriods,
  threshold,
  ok,
}) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      Namespace: namespace,
      MetricName: metric,
      Dimensions: [dimension],
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: evaluationPeriods,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      ...(ok ? { OKActions: [topic] } : {}),
    },
  };
}

const queueName = (queue) => ({ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } });

function queueResources(prefix) {
  const resources = {};
  for (const queue of Object.values(QUEUES)) {
    const dlq = `${queue.resource}DeadLetterQueue`;
    resources[dlq] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: `${prefix}-${queue.name}-dlq`,
        MessageRetentionPeriod: DLQ_RETENTION_SECONDS,
        SqsManagedSseEnabled: true,
      },
    };
    resources[`${queue.resource}Queue`] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: `${prefix}-${queue.name}`,
        VisibilityTimeout: queue.visibilityTimeout,
        SqsManagedSseEnabled: true,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
          maxReceiveCount: queue.maxReceiveCount,
        },
      },
    };
    resources[`${queue.resource}DeadLetterAlarm`] = alarm({
      description: `A message reached the ${queue.resource} dead-letter queue (see docs/operations.md, "Dead-letter queues").`,
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimension: queueName(dlq),
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      ok: true,
    });
  }
  return resources;
}

function functionAlarms() {
  const resources = {};
  for (const name of ALARMED_FUNCTIONS) {
    for (const [metric, what] of [
      ['Errors', 'failed'],
      ['Throttles', 'throttled'],
    ]) {
      resources[`${capitalised(name)}${metric}Alarm`] = alarm({
        description: `${name} had ${what} invocations.`,
        namespace: 'AWS/Lambda',
        metric,
        dimension: { Name: 'FunctionName', Value: { Ref: `${capitalised(name)}LambdaFunction` } },
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 0,
      });
    }
  }
  return resources;
}

/**
 * X-Ray sampling is decided where a trace starts: API Gateway applies these rules to the API's requests, and the
 * functions follow its decision. SQS-triggered invocations start their own traces at Lambda's fixed rate (the first
 * each second, then 5%).
 */
const SAMPLING_RULES = {
  // Everything else: the seed's 5%.
  ApiDefaultSamplingRule: {
    suffix: 'default',
    priority: 9000,
    reservoir: 1,
    rate: 0.05,
    method: '*',
    path: '*',
  },
  // Starting a campaign is rare and consequential: every start is traced.
  ApiStartSamplingRule: {
    suffix: 'start',
    priority: 100,
    reservoir: 10,
    rate: 1,
    method: 'POST',
    path: '/campaigns/*/start',
  },
  // Changes to the do-not-call list: a quarter of them traced.
  ApiBlacklistSamplingRule: {
    suffix: 'blacklist',
    priority: 200,
    reservoir: 2,
    rate: 0.25,
    method: '*',
    path: '/blacklist*',
  },
};

function tracingResources(service, stage) {
  // X-Ray names an API Gateway stage `<api name>/<stage>`; the framework names the API `<stage>-<service>`.
  const apiServiceName = `${stage}-${service}/${stage}`;
  const resources = {};
  for (const [id, rule] of Object.entries(SAMPLING_RULES)) {
    resources[id] = {
      Type: 'AWS::XRay::SamplingRule',
      Properties: {
        SamplingRule: {
          // Sampling rule names: at most 32 characters.
          RuleName: `vc-${stage}-${rule.suffix}`,
          Priority: rule.priority,
          ReservoirSize: rule.reservoir,
          FixedRate: rule.rate,
          ServiceName: apiServiceName,
          ServiceType: '*',
          Host: '*',
          HTTPMethod: rule.method,
          URLPath: rule.path,
          ResourceARN: '*',
          Version: 1,
        },
      },
    };
  }
  const group = (name, filter, notifications) => ({
    Type: 'AWS::XRay::Group',
    Properties: {
      GroupName: `${service}-${stage}-${name}`,
      FilterExpression: filter,
      InsightsConfiguration: {
        InsightsEnabled: true,
        ...(notifications ? { NotificationsEnabled: true } : {}),
      },
    },
  });
  resources.ErrorsGroup = group(
    'errors',
    `(error = true OR fault = true) AND annotation.environment = "${stage}"`,
    true,
  );
  resources.DialerGroup = group('dialer', `service("${service}-${stage}-dialerWorker")`);
  resources.StartCampaignGroup = group('start', `service("${service}-${stage}-startCampaign")`);
  return resources;
}

/** A bucket of this project's: private, owner-enforced, encrypted, and a policy that refuses anything but TLS. */
function privateBucket(prefix, bucket, properties, dependsOn) {
  const name = `${prefix}-${bucket.name}-\${AWS::AccountId}`;
  // The bucket's ARN from its name, not from the bucket: a queue's policy may have to exist before the bucket (S3
  // checks it may send to the queue when the notification is set), and the bucket depend on the queue.
  const arn = { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${name}` };
  return {
    [bucket.resource]: {
      Type: 'AWS::S3::Bucket',
      ...(dependsOn ? { DependsOn: dependsOn } : {}),
      Properties: {
        BucketName: { 'Fn::Sub': name },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
          ],
        },
        ...properties,
      },
    },
    [`${bucket.resource}Policy`]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: bucket.resource },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'TlsOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

const ABORT_INCOMPLETE_UPLOADS = {
  Id: 'AbortIncompleteUploads',
  Status: 'Enabled',
  Prefix: '',
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
};

/** The dashboard sends import files from its distribution's origin (config/dashboard.cjs): S3 answers its preflight. */
const DASHBOARD_UPLOADS = {
  CorsRules: [
    {
      AllowedOrigins: [{ 'Fn::Sub': `https://\${DashboardDistribution.DomainName}` }],
      AllowedMethods: ['POST'],
      AllowedHeaders: ['*'],
      MaxAge: 3000,
    },
  ],
};

function importBucketResources(prefix) {
  const bucketArn = {
    'Fn::Sub': `arn:\${AWS::Partition}:s3:::${prefix}-${IMPORT_BUCKET.name}-\${AWS::AccountId}`,
  };
  const expire = (id, prefixValue, days) => ({
    Id: id,
    Status: 'Enabled',
    Prefix: prefixValue,
    ExpirationInDays: days,
  });
  return {
    ...privateBucket(
      prefix,
      IMPORT_BUCKET,
      {
        CorsConfiguration: DASHBOARD_UPLOADS,
        LifecycleConfiguration: {
          Rules: [
            expire('ExpireUploads', IMPORT_BUCKET.uploadsPrefix, IMPORT_BUCKET.uploadsDays),
            expire('ExpireRejects', IMPORT_BUCKET.rejectsPrefix, IMPORT_BUCKET.rejectsDays),
            ABORT_INCOMPLETE_UPLOADS,
          ],
        },
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Queue: { 'Fn::GetAtt': ['ImportsQueue', 'Arn'] },
              Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: IMPORT_BUCKET.uploadsPrefix }] } },
            },
          ],
        },
      },
      ['ImportsQueuePolicy'],
    ),
    ImportsQueuePolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: 'ImportsQueue' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'UploadNotifications',
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': ['ImportsQueue', 'Arn'] },
              Condition: {
                ArnEquals: { 'aws:SourceArn': bucketArn },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            },
          ],
        },
      },
    },
  };
}

/** Resources of serverless.yml generated from the tables above. */
async function resources(resolveVariable) {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const prefix = `${service}-${stage}`;
  return {
    Resources: {
      ...queueResources(prefix),
      ...importBucketResources(prefix),
      ...privateBucket(prefix, MODEL_BUCKET, {
        LifecycleConfiguration: { Rules: [ABORT_INCOMPLETE_UPLOADS] },
      }),
      ...tracingResources(service, stage),
      ...functionAlarms(),
      CampaignTicksAgeAlarm: alarm({
        description:
          'Tick groups wait more than 2 minutes: campaigns are ticked late (ticker concurrency, failures).',
        namespace: 'AWS/SQS',
        metric: 'ApproximateAgeOfOldestMessage',
        dimension: queueName('CampaignTicksQueue'),
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 3,
        threshold: 120,
        ok: true,
      }),
      DialTasksAgeAlarm: alarm({
        description: 'Dial tasks wait more than 5 minutes: the dialer is behind (concurrency cap, failures).',
        namespace: 'AWS/SQS',
        metric: 'ApproximateAgeOfOldestMessage',
        dimension: queueName('DialTasksQueue'),
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 5,
        threshold: 300,
        ok: true,
      }),
    },
  };
}

module.exports = Object.assign(
  async ({ resolveVariable }) => ({
    queues: QUEUES,
    blacklistTable: BLACKLIST_TABLE,
    importBucket: IMPORT_BUCKET,
    modelBucket: MODEL_BUCKET,
    resources: await resources(resolveVariable),
  }),
  { QUEUES, BLACKLIST_TABLE, IMPORT_BUCKET, MODEL_BUCKET, DLQ_RETENTION_SECONDS, privateBucket },
);
