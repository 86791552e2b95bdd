/**
 * The throttling plugin's deploy step, on the requests the AWS SDK sends: a local HTTP endpoint stands in for
 * CloudFormation (which names the stack's REST API) and API Gateway (which receives the stage update).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

type Service = { custom?: Record<string, unknown>; functions: Record<string, { events: unknown[] }> };
type Plugin = { hooks: Record<string, () => Promise<void>> };
const require = createRequire(import.meta.url);
const ApiThrottling = require('../../../config/plugins/apiThrottling.cjs') as {
  new (serverless: unknown): Plugin;
  throttlingPatchOperations(service: Service): Array<{ op: string; path: string; value: string }>;
};

const received: Array<{ method: string; url: string; body: string }> = [];
let refuseUpdates = false;
const server = createServer(async (request: IncomingMessage, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  received.push({ method: request.method ?? '', url: request.url ?? '', body });
  if (body.includes('Action=DescribeStackResource')) {
    response.writeHead(200, { 'content-type': 'text/xml' }).end(
      `<DescribeStackResourceResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
        <DescribeStackResourceResult><StackResourceDetail>
          <StackName>voice-campaign-prod</StackName><LogicalResourceId>ApiGatewayRestApi</LogicalResourceId>
          <PhysicalResourceId>a1b2c3d4e5</PhysicalResourceId><ResourceType>AWS::ApiGateway::RestApi</ResourceType>
          <LastUpdatedTimestamp>2026-11-24T00:00:00Z</LastUpdatedTimestamp><ResourceStatus>UPDATE_COMPLETE</ResourceStatus>
        </StackResourceDetail></DescribeStackResourceResult>
        <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
      </DescribeStackResourceResponse>`,
    );
    return;
  }
  if (refuseUpdates) {
    response
      .writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' })
      .end('{"message":"User is not authorized to perform: apigateway:PATCH"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end('{"stageName":"prod"}');
});

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});
afterAll(() => {
  server.close();
});

function serverless(service: Service) {
  const logs: string[] = [];
  const { port } = server.address() as AddressInfo;
  const provider = {
    getAwsSdkV3Config: async () => ({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
    }),
    getRegion: () => 'us-east-1',
    getApiGatewayStage: () => 'prod',
    naming: { getStackName: () => 'voice-campaign-prod', getRestApiLogicalId: () => 'ApiGatewayRestApi' },
  };
  const instance = {
    service,
    getProvider: () => provider,
    configSchemaHandler: { defineCustomProperties() {}, defineFunctionEventProperties() {} },
    cli: { log: (line: string) => logs.push(line) },
  };
  return { instance, logs };
}

const SERVICE: Service = {
  custom: { apiThrottling: { rateLimit: 200, burstLimit: 400 } },
  functions: {
    startCampaign: {
      events: [
        {
          http: {
            method: 'post',
            path: 'campaigns/{campaignId}/start',
            throttling: { rateLimit: 5, burstLimit: 10 },
          },
        },
      ],
    },
    campaignStatus: { events: [{ http: { method: 'get', path: 'campaigns/{campaignId}' } }] },
    dialerWorker: { events: [{ sqs: { arn: 'arn:aws:sqs:us-east-1:123456789012:dial-tasks' } }] },
  },
};

describe('API throttling plugin', () => {
  it('limits the whole stage, and each route that sets limits of its own, by its escaped resource path', () => {
    // Act
    const operations = ApiThrottling.throttlingPatchOperations(SERVICE);

    // Assess
    expect(operations).toEqual([
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '200' },
      { op: 'replace', path: '/*/*/throttling/burstLimit', value: '400' },
      { op: 'replace', path: '/~1campaigns~1{campaignId}~1start/POST/throttling/rateLimit', value: '5' },
      { op: 'replace', path: '/~1campaigns~1{campaignId}~1start/POST/throttling/burstLimit', value: '10' },
    ]);
  });

  it('refuses route limits without stage limits', () => {
    expect(() => ApiThrottling.throttlingPatchOperations({ functions: SERVICE.functions })).toThrow(
      'custom.apiThrottling',
    );
  });

  it('after a deploy, finds the stack\u2019s REST API and updates its stage with the limits', async () => {
    // Prepare
    received.length = 0;
    const { instance, logs } = serverless(SERVICE);
    const plugin = new ApiThrottling(instance);

    // Act
    await plugin.hooks['after:deploy:deploy']?.();

    // Assess
    expect(received).toHaveLength(2);
    const [describe, update] = received;
    expect(new URLSearchParams(describe?.body)).toEqual(
      new URLSearchParams({
        Action: 'DescribeStackResource',
        Version: '2010-05-15',
        StackName: 'voice-campaign-prod',
        LogicalResourceId: 'ApiGatewayRestApi',
      }),
    );
    expect(update).toMatchObject({ method: 'PATCH', url: '/restapis/a1b2c3d4e5/stages/prod' });
    expect(JSON.parse(update?.body ?? '{}')).toEqual({
      patchOperations: ApiThrottling.throttlingPatchOperations(SERVICE),
    });
    expect(logs).toEqual([
      'API stage prod throttled: 200 requests/s, burst 400; 1 route(s) with limits of their own',
    ]);
  });

  it('says the stack is deployed and how to finish when the stage update is refused', async () => {
    // Prepare
    refuseUpdates = true;
    const plugin = new ApiThrottling(serverless(SERVICE).instance);

    // Act
    const failure = await plugin.hooks['after:deploy:deploy']?.().catch((error: unknown) => error);
    refuseUpdates = false;

    // Assess
    expect(String((failure as Error).message)).toMatch(
      /^The stack is deployed, but its API stage prod could not be throttled \(AccessDeniedException: User is not authorized to perform: apigateway:PATCH\)\. Run the deploy again/,
    );
  });

  it('sends nothing when the service sets no limits', async () => {
    // Prepare
    received.length = 0;
    const plugin = new ApiThrottling(
      serverless({ functions: { ...SERVICE.functions, startCampaign: { events: [] } } }).instance,
    );

    // Act
    await plugin.hooks['after:deploy:deploy']?.();

    // Assess
    expect(received).toEqual([]);
  });
});
