/**
 * The dashboard on AWS (docs/dashboard.md): its files in a private bucket, served by a CloudFront distribution that
 * reads the bucket with origin access control and passes the API's paths on to the REST API's stage (so the page
 * and the API share one origin: no CORS, the page's policy allows its own origin only, and the import bucket's
 * upload form). The page's files and its `config.json` (the API's URL, the region for trace links) are written into
 * the bucket at every deploy by the publishDashboard function, a custom resource whose package holds the built page
 * (config/plugins/dashboardBuild.cjs builds it before the functions are packaged).
 * CommonJS because the framework loads variable files with require().
 */
const { IMPORT_BUCKET, privateBucket } = require('./infrastructure.cjs');
const { version } = require('./plugins/dashboardBuild.cjs');

/** CloudFront's managed policies (the same ids in every account). */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
/** Every header, cookie and query string of the viewer's request but its Host (API Gateway wants its own). */
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/** The first segment of every route of the API (config/functions.cjs): sent on to the API, never cached. */
const API_PATHS = ['campaigns', 'blacklist', 'model'];

function dashboardResources(service, stage) {
  const prefix = `${service}-${stage}`;
  const bucketName = `${prefix}-dashboard-\${AWS::AccountId}`;
  const bucketArn = { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucketName}` };
  // The import bucket's name as config/infrastructure.cjs gives it (not its Ref: the bucket's CORS rule names the
  // distribution, and the distribution's policy names the bucket).
  const importBucket = `${prefix}-${IMPORT_BUCKET.name}-\${AWS::AccountId}`;
  const distributionArn = {
    'Fn::Sub': `arn:\${AWS::Partition}:cloudfront::\${AWS::AccountId}:distribution/\${DashboardDistribution}`,
  };
  // Private, owner-enforced, encrypted, TLS only (as every bucket of the project); read by the distribution alone.
  const bucket = privateBucket(prefix, { resource: 'DashboardBucket', name: 'dashboard' }, {});
  bucket.DashboardBucketPolicy.Properties.PolicyDocument.Statement.unshift({
    Sid: 'DistributionReads',
    Effect: 'Allow',
    Principal: { Service: 'cloudfront.amazonaws.com' },
    Action: 's3:GetObject',
    Resource: { 'Fn::Join': ['', [bucketArn, '/*']] },
    Condition: { StringEquals: { 'AWS:SourceArn': distributionArn } },
  });
  const apiBehaviour = (path) => ({
    PathPattern: `/${path}*`,
    TargetOriginId: 'api',
    ViewerProtocolPolicy: 'https-only',
    AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
    CachedMethods: ['GET', 'HEAD'],
    CachePolicyId: CACHING_DISABLED,
    OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST,
    Compress: true,
  });
  return {
    ...bucket,
    DashboardOriginAccessControl: {
      Type: 'AWS::CloudFront::OriginAccessControl',
      Properties: {
        OriginAccessControlConfig: {
          Name: `${prefix}-dashboard`,
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        },
      },
    },
    // As the local front door sends them (local/apiFront.ts): the page's own script only, its own origin and the
    // import bucket's upload form only, never framed, no referrer.
    DashboardHeadersPolicy: {
      Type: 'AWS::CloudFront::ResponseHeadersPolicy',
      Properties: {
        ResponseHeadersPolicyConfig: {
          Name: `${prefix}-dashboard`,
          SecurityHeadersConfig: {
            ContentSecurityPolicy: {
              Override: true,
              ContentSecurityPolicy: {
                'Fn::Sub': `default-src 'self'; connect-src 'self' https://${importBucket}.s3.amazonaws.com https://${importBucket}.s3.\${AWS::Region}.amazonaws.com; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
              },
            },
            ContentTypeOptions: { Override: true },
            FrameOptions: { FrameOption: 'DENY', Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
            StrictTransportSecurity: {
              AccessControlMaxAgeSec: 31536000,
              IncludeSubdomains: true,
              Override: true,
            },
          },
        },
      },
    },
    DashboardDistribution: {
      Type: 'AWS::CloudFront::Distribution',
      Properties: {
        DistributionConfig: {
          Enabled: true,
          Comment: `${prefix} dashboard and API`,
          DefaultRootObject: 'index.html',
          HttpVersion: 'http2and3',
          PriceClass: 'PriceClass_100',
          Origins: [
            {
              Id: 'page',
              DomainName: { 'Fn::GetAtt': ['DashboardBucket', 'RegionalDomainName'] },
              OriginAccessControlId: { 'Fn::GetAtt': ['DashboardOriginAccessControl', 'Id'] },
              S3OriginConfig: { OriginAccessIdentity: '' },
            },
            {
              Id: 'api',
              DomainName: { 'Fn::Sub': `\${ApiGatewayRestApi}.execute-api.\${AWS::Region}.amazonaws.com` },
              OriginPath: `/${stage}`,
              CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'page',
            ViewerProtocolPolicy: 'redirect-to-https',
            AllowedMethods: ['GET', 'HEAD'],
            CachePolicyId: CACHING_OPTIMIZED,
            ResponseHeadersPolicyId: { Ref: 'DashboardHeadersPolicy' },
            Compress: true,
          },
          CacheBehaviors: API_PATHS.map(apiBehaviour),
        },
      },
    },
    // The page and its config.json, written at every deploy (the version changes with the page's files).
    DashboardFiles: {
      Type: 'Custom::DashboardFiles',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['PublishDashboardLambdaFunction', 'Arn'] },
        Bucket: { Ref: 'DashboardBucket' },
        Version: version(),
        ApiUrl: {
          'Fn::Sub': `https://\${ApiGatewayRestApi}.execute-api.\${AWS::Region}.amazonaws.com/${stage}/`,
        },
        Region: { Ref: 'AWS::Region' },
      },
    },
  };
}

module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  return {
    resources: {
      Resources: dashboardResources(service, stage),
      Outputs: {
        DashboardUrl: { Value: { 'Fn::Sub': `https://\${DashboardDistribution.DomainName}/` } },
      },
    },
    API_PATHS,
  };
};
