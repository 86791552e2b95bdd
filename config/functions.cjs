/**
 * The functions of serverless.yml (`functions: ${file(./config/functions.cjs)}`), declared as a table: each one's
 * handler, what it may reach (its role's statements, the database's VPC), its timeout and memory, its environment
 * (config/environment.cjs) and its trigger (a route of the REST API, a queue of config/infrastructure.cjs, a
 * schedule). The shapes every function of a kind shares are written once below.
 * CommonJS because the framework loads variable files with require().
 */
const environmentOf = require('./environment.cjs');
const { QUEUES } = require('./infrastructure.cjs');

const getAtt = (resource) => ({ 'Fn::GetAtt': [resource, 'Arn'] });
const inBucket = (path, bucket = 'ImportBucket') => ({ 'Fn::Join': ['', [getAtt(bucket), path]] });
const allow = (Action, Resource, Condition) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition ? { Condition } : {}),
});
// X-Ray's write actions take no resource: "*" is the only value AWS accepts for them. Its OTLP endpoint's, when the
// functions send their spans there (config/environment.cjs).
const xrayWrites = (otlpToXray) =>
  allow(
    [
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      ...(otlpToXray ? ['xray:PutSpans', 'xray:PutSpansForIndexing'] : []),
    ],
    '*',
  );
const blacklist = (...actions) => allow(actions, getAtt('BlacklistTable'));
const send = (queue) => allow(['sqs:SendMessage'], getAtt(queue));
/** The model bucket's models/ (read, or read and write); listing too, so a missing model is a 404, not a 403. */
const models = (...actions) => [
  allow(actions, inBucket('/models/*', 'ModelBucket')),
  allow(['s3:ListBucket'], getAtt('ModelBucket'), { StringLike: { 's3:prefix': ['models/*'] } }),
];

module.exports = async ({ resolveVariable }) => {
  const environment = await environmentOf({ resolveVariable });
  const XRAY = xrayWrites(Boolean(environment.otlpToXray));
  const param = (name) => resolveVariable(`param:${name}`);
  const DATABASE = allow(['secretsmanager:GetSecretValue'], environment.databaseSecretArns);
  const PHONE_KEY = allow(['secretsmanager:GetSecretValue'], environment.phoneHashKeySecretArns);

  /** A route of the REST API, behind the token authorizer; `schema`: its body's, checked at the edge. */
  const route = (method, path, schema) => ({
    http: {
      method,
      path,
      authorizer: environment.authorizer,
      ...(schema
        ? {
            request: {
              schemas: {
                'application/json': { name: schema.name, schema: environment.apiSchemas[schema.key] },
              },
            },
          }
        : {}),
    },
  });
  /** An SQS event source reporting partial batch failures, as config/infrastructure.cjs sizes it. */
  const queue = async (key, resource, concurrency) => {
    const { batchSize, maximumBatchingWindow } = QUEUES[key].consumer;
    return {
      sqs: {
        arn: getAtt(resource),
        batchSize,
        ...(maximumBatchingWindow === undefined ? {} : { maximumBatchingWindow }),
        functionResponseType: 'ReportBatchItemFailures',
        maximumConcurrency: await param(concurrency),
      },
    };
  };
  /** A function that reaches PostgreSQL: in its VPC, allowed its secret. */
  const database = (definition) => ({
    vpc: environment.databaseVpc ?? null,
    ...definition,
    iamRoleStatements: [XRAY, DATABASE, ...(definition.iamRoleStatements ?? [])],
  });
  /** A route of the campaign API: the database only, 10 seconds. */
  const campaignRoute = (name, method, path, extra = {}) =>
    database({
      handler: `src/functions/${name}.handler`,
      timeout: 10,
      events: [route(method, path)],
      ...extra,
    });
  const withBody = (name, method, path, schema) => ({
    ...campaignRoute(name, method, path),
    events: [route(method, path, schema)],
  });

  return {
    // Writes the dashboard's page into its bucket at deploy (config/dashboard.cjs's custom resource).
    publishDashboard: {
      handler: 'src/functions/publishDashboard.handler',
      description:
        "Writes the dashboard's page and its config.json into the dashboard's bucket at each deploy.",
      timeout: 60,
      iamRoleStatements: [
        XRAY,
        allow(['s3:PutObject', 's3:DeleteObject'], inBucket('/*', 'DashboardBucket')),
        allow(['s3:ListBucket'], getAtt('DashboardBucket')),
      ],
      // The built page (config/plugins/dashboardBuild.cjs builds it before packaging), without its source maps.
      package: { patterns: ['web/dist/**', '!web/dist/*.map'] },
    },

    authorizer: {
      handler: 'src/functions/authorizer.handler',
      iamRoleStatements: [XRAY],
      description: 'Verifies the bearer token (JWT) of API callers.',
      timeout: 10,
      environment: environment.authorizerEnv,
    },

    // A campaign's run: start, pause, resume, cancel. Each changes its status only; the scheduler does the rest.
    startCampaign: {
      ...campaignRoute('startCampaign', 'post', 'campaigns/{campaignId}/start'),
      description: 'Starts a draft campaign; the scheduler releases its contacts from its next tick.',
      events: [
        {
          http: {
            ...route('post', 'campaigns/{campaignId}/start', {
              name: 'StartCampaignRequest',
              key: 'startCampaign',
            }).http,
            throttling: {
              rateLimit: await param('startRateLimit'),
              burstLimit: await param('startBurstLimit'),
            },
          },
        },
      ],
    },
    pauseCampaign: campaignRoute('pauseCampaign', 'post', 'campaigns/{campaignId}/pause', {
      description: 'Pauses a running campaign; calls ringing finish, nothing more is released.',
    }),
    resumeCampaign: campaignRoute('resumeCampaign', 'post', 'campaigns/{campaignId}/resume', {
      description: 'Resumes a paused campaign.',
    }),
    cancelCampaign: campaignRoute('cancelCampaign', 'post', 'campaigns/{campaignId}/cancel', {
      description: 'Cancels a campaign for good; its open contacts become cancelled.',
    }),

    // How many of a campaign's contacts can be called in each of the next 24 hours, and why the others cannot.
    campaignPreview: database({
      handler: 'src/functions/campaignPreview.handler',
      iamRoleStatements: [blacklist('dynamodb:BatchGetItem')],
      description:
        "A campaign's callable contacts per hour for the next 24 hours, and why the others cannot be called.",
      timeout: 28,
      environment: environment.campaignPreview,
      events: [route('get', 'campaigns/{campaignId}/preview')],
    }),
    campaignStatus: campaignRoute('campaignStatus', 'get', 'campaigns/{campaignId}', {
      description: "A campaign's settings and progress, its next release and estimated finish.",
    }),
    campaignMetrics: campaignRoute('campaignMetrics', 'get', 'campaigns/{campaignId}/metrics', {
      description:
        "A campaign's calls, skips, outcomes and opt-outs in buckets over a window, beside the window before.",
    }),
    campaignModel: campaignRoute('campaignModel', 'get', 'campaigns/{campaignId}/model', {
      description:
        "Best time to call for a campaign: its owner's model in use, and the contact rate of each arm.",
      iamRoleStatements: models('s3:GetObject'),
      environment: environment.campaignModel,
    }),
    // The caller's model trained now (as trainModels does daily): reads the owner's calls, writes a new version.
    trainModel: campaignRoute('trainModel', 'post', 'model/train', {
      description:
        "Trains the caller's answer model now: a new version, promoted when it beats the base rate.",
      iamRoleStatements: models('s3:GetObject', 's3:PutObject'),
      environment: environment.trainModels,
      timeout: 28,
      memorySize: 512,
    }),

    // Campaigns and their contacts: create, list, change, delete (a started campaign is cancelled, never deleted).
    createCampaign: withBody('createCampaign', 'post', 'campaigns', {
      name: 'CreateCampaignRequest',
      key: 'createCampaign',
    }),
    listCampaigns: campaignRoute('listCampaigns', 'get', 'campaigns'),
    updateCampaign: withBody('updateCampaign', 'patch', 'campaigns/{campaignId}', {
      name: 'UpdateCampaignRequest',
      key: 'updateCampaign',
    }),
    deleteCampaign: campaignRoute('deleteCampaign', 'delete', 'campaigns/{campaignId}'),
    addContacts: withBody('addContacts', 'post', 'campaigns/{campaignId}/contacts', {
      name: 'AddContactsRequest',
      key: 'addContacts',
    }),
    listContacts: campaignRoute('listContacts', 'get', 'campaigns/{campaignId}/contacts'),
    deleteContact: campaignRoute('deleteContact', 'delete', 'campaigns/{campaignId}/contacts/{contactId}'),
    listAttempts: campaignRoute(
      'listAttempts',
      'get',
      'campaigns/{campaignId}/contacts/{contactId}/attempts',
    ),

    // CSV imports: the API opens an import and hands out an upload form; the file goes straight to the import
    // bucket, whose upload notice (on the imports queue) starts importWorker. Only importWorker reads uploads.
    createImport: campaignRoute('createImport', 'post', 'campaigns/{campaignId}/imports', {
      // The upload form is signed with this role: it may create uploads/ objects, and nothing else.
      iamRoleStatements: [allow(['s3:PutObject'], inBucket('/uploads/*'))],
      environment: environment.imports,
    }),
    getImport: campaignRoute('getImport', 'get', 'campaigns/{campaignId}/imports/{importId}', {
      // The rejects link is signed with this role: it may read rejects/ objects, never uploads.
      iamRoleStatements: [allow(['s3:GetObject'], inBucket('/rejects/*'))],
      environment: environment.imports,
    }),
    // Stops an import (the rows it added stay): the database only.
    cancelImport: campaignRoute('cancelImport', 'delete', 'campaigns/{campaignId}/imports/{importId}', {
      environment: environment.imports,
    }),
    importWorker: database({
      handler: 'src/functions/importWorker.handler',
      iamRoleStatements: [
        allow(['s3:GetObject'], inBucket('/uploads/*')),
        // Without it, S3 answers 403 instead of 404 for a file that is gone.
        allow(['s3:ListBucket'], getAtt('ImportBucket'), { StringLike: { 's3:prefix': ['uploads/*'] } }),
        allow(['s3:PutObject', 's3:AbortMultipartUpload'], inBucket('/rejects/*')),
        send('ImportsQueue'),
      ],
      description:
        'Imports an uploaded CSV file of contacts, continuing from its checkpoint when one invocation is not enough.',
      // An import is CPU-bound (reading numbers): 1,769 MB is one full vCPU. 15 minutes, the most Lambda allows; a
      // longer import goes on in the next invocation.
      memorySize: 1769,
      timeout: 900,
      environment: environment.importWorker,
      events: [await queue('imports', 'ImportsQueue', 'importMaxConcurrency')],
    }),
    importSweeper: database({
      handler: 'src/functions/importSweeper.handler',
      iamRoleStatements: [send('ImportsQueue')],
      description: 'Hands on the imports whose invocation ended without doing so (a crash, a lost message).',
      timeout: 30,
      environment: environment.importSweeper,
      // On the local stage npm start runs it itself, at its start and every minute.
      events: [{ schedule: { rate: 'rate(5 minutes)', enabled: environment.importSweeperEnabled } }],
    }),

    // The do-not-call list: its own table, reached with the phone-hash key; no database.
    ...Object.fromEntries(
      [
        ['blacklistAdd', 'blacklist', 'blacklistAdd', ['dynamodb:GetItem', 'dynamodb:UpdateItem']],
        ['blacklistCheck', 'blacklist/lookup', 'blacklistLookup', ['dynamodb:GetItem']],
        [
          'blacklistRemove',
          'blacklist/remove',
          'blacklistRemove',
          ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        ],
      ].map(([name, path, schema, actions]) => [
        name,
        {
          handler: `src/functions/${name}.handler`,
          iamRoleStatements: [XRAY, PHONE_KEY, blacklist(...actions)],
          timeout: 10,
          environment: environment.blacklist,
          // The body's schema as API Gateway names it: BlacklistAddRequest, ...
          events: [
            route('post', path, { name: `${schema[0].toUpperCase()}${schema.slice(1)}Request`, key: schema }),
          ],
        },
      ]),
    ),

    scheduler: database({
      handler: 'src/functions/scheduler.handler',
      iamRoleStatements: [send('CampaignTicksQueue')],
      description: "Sends the minute's tick as groups of active campaigns to the campaign-ticks queue.",
      // One statement and a few sends, whatever the number of campaigns.
      timeout: 30,
      reservedConcurrency: 1,
      environment: environment.scheduler,
      // On the local stage npm start ticks it itself, on the stack's clock (which may run faster).
      events: [{ schedule: { rate: 'rate(1 minute)', enabled: environment.schedulerEnabled } }],
    }),
    campaignTicker: database({
      handler: 'src/functions/campaignTicker.handler',
      iamRoleStatements: [send('DialTasksQueue'), ...models('s3:GetObject')],
      description:
        'Ticks a group of campaigns: releases their due contacts as dial tasks, at their pace and inside their calling hours.',
      // A group's campaigns one after another; each claimed for the tick, so a late group never overlaps the next.
      timeout: 60,
      environment: environment.campaignTicker,
      events: [await queue('campaignTicks', 'CampaignTicksQueue', 'tickerMaxConcurrency')],
    }),
    trainModels: database({
      handler: 'src/functions/trainModels.handler',
      iamRoleStatements: models('s3:GetObject', 's3:PutObject'),
      description:
        "Trains each owner's answer model on its recent calls; promotes a model that beats the base rate.",
      // A million calls are a few thousand aggregate rows, counted by the database: seconds, not minutes.
      timeout: 300,
      environment: environment.trainModels,
      // On the local stage npm start trains at its start and every 10 minutes, on the stack's clock.
      events: [{ schedule: { rate: 'rate(1 day)', enabled: environment.trainModelsEnabled } }],
    }),
    dialerWorker: database({
      handler: 'src/functions/dialerWorker.handler',
      iamRoleStatements: [PHONE_KEY, blacklist('dynamodb:BatchGetItem'), send('AsteriskCallsQueue')],
      description:
        'Turns dial tasks into calls on the asterisk-calls queue (blacklist checked at dial time).',
      timeout: 30,
      environment: environment.dialerWorker,
      events: [await queue('dialTasks', 'DialTasksQueue', 'dialerMaxConcurrency')],
    }),
    resultWorker: database({
      handler: 'src/functions/resultWorker.handler',
      iamRoleStatements: [PHONE_KEY, blacklist('dynamodb:GetItem', 'dynamodb:UpdateItem')],
      description:
        "Records what the telephony workers report of each call and plans the contact's next step.",
      timeout: 30,
      environment: environment.resultWorker,
      events: [await queue('callResults', 'CallResultsQueue', 'resultMaxConcurrency')],
    }),
  };
};
