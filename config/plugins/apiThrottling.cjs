/**
 * Throttling of the REST API stage: a limit for every method (`custom.apiThrottling`) and tighter ones for single
 * routes (`throttling` on an `http` event), applied to the stage after each deploy.
 *
 * Hand-written because nothing maintained fits: the framework has no throttling setting, and sets a REST stage's
 * other settings (tracing, logs) through the API Gateway API after the deploy rather than in the template, since a
 * CloudFormation Stage resource clashes with the stage its Deployment resource creates. This plugin does the same,
 * in the same step. The community plugin for it (serverless-api-gateway-throttling) calls `provider.request`, the
 * AWS SDK v2 interface that osls no longer has.
 */
const schema = {
  type: 'object',
  properties: {
    // Steady requests per second, and the burst (requests at once) API Gateway admits before answering 429.
    rateLimit: { type: 'number', minimum: 0 },
    burstLimit: { type: 'integer', minimum: 0 },
  },
  required: ['rateLimit', 'burstLimit'],
  additionalProperties: false,
};

/** A resource path as the key of a stage's method settings: `/` escaped as `~1` (JSON Pointer). */
const escapePath = (path) => `/${path.replace(/^\/+|\/+$/g, '')}`.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The `UpdateStage` patch operations for a service's throttling: the stage-wide limits (`/*\/*`) and each route's
 * own. Throws when a route sets limits and the stage has none.
 */
function throttlingPatchOperations(service) {
  const stage = service.custom?.apiThrottling;
  const limits = (prefix, { rateLimit, burstLimit }) => [
    { op: 'replace', path: `${prefix}/throttling/rateLimit`, value: String(rateLimit) },
    { op: 'replace', path: `${prefix}/throttling/burstLimit`, value: String(burstLimit) },
  ];
  const routes = Object.values(service.functions ?? {}).flatMap((fn) =>
    (fn.events ?? [])
      .map((event) => event.http)
      .filter((http) => http && typeof http === 'object' && http.throttling)
      .map((http) => limits(`/${escapePath(http.path)}/${http.method.toUpperCase()}`, http.throttling)),
  );
  if (stage === undefined) {
    if (routes.length > 0) throw new Error('Route throttling needs stage limits: set custom.apiThrottling');
    return [];
  }
  return [...limits('/*/*', stage), ...routes.flat()];
}

class ApiThrottling {
  constructor(serverless) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    const handler = serverless.configSchemaHandler;
    handler.defineCustomProperties({ properties: { apiThrottling: schema } });
    handler.defineFunctionEventProperties('aws', 'http', { properties: { throttling: schema } });
    this.hooks = { 'after:deploy:deploy': () => this.applyToStage() };
  }

  async applyToStage() {
    const patchOperations = throttlingPatchOperations(this.serverless.service);
    if (patchOperations.length === 0) return;
    const { CloudFormationClient, DescribeStackResourceCommand } = require('@aws-sdk/client-cloudformation');
    const { APIGatewayClient, UpdateStageCommand } = require('@aws-sdk/client-api-gateway');
    const config =
      typeof this.provider.getAwsSdkV3Config === 'function'
        ? await this.provider.getAwsSdkV3Config()
        : { region: this.provider.getRegion() };
    const { StackResourceDetail } = await new CloudFormationClient(config).send(
      new DescribeStackResourceCommand({
        StackName: this.provider.naming.getStackName(),
        LogicalResourceId: this.provider.naming.getRestApiLogicalId(),
      }),
    );
    const stageName = this.provider.getApiGatewayStage();
    try {
      await new APIGatewayClient(config).send(
        new UpdateStageCommand({
          restApiId: StackResourceDetail.PhysicalResourceId,
          stageName,
          patchOperations,
        }),
      );
    } catch (error) {
      // The stack is deployed by now: say so, and how to finish, rather than a bare SDK error.
      throw new Error(
        `The stack is deployed, but its API stage ${stageName} could not be throttled (${error.name}: ${error.message}). ` +
          'Run the deploy again once this is fixed; docs/operations.md, "API throttling", shows the limits.',
        { cause: error },
      );
    }
    const { rateLimit, burstLimit } = this.serverless.service.custom.apiThrottling;
    const routes = patchOperations.length / 2 - 1;
    this.serverless.cli.log(
      `API stage ${stageName} throttled: ${rateLimit} requests/s, burst ${burstLimit}; ${routes} route(s) with limits of their own`,
    );
  }
}

module.exports = ApiThrottling;
module.exports.throttlingPatchOperations = throttlingPatchOperations;
