/**
 * Access: every route of the API against every kind of caller, through what API Gateway does in front of the
 * functions (the project's TOKEN authorizer, its verdict's context passed on). Callers: no identity reaching a
 * function, tokens that are malformed, forged, unsigned, expired, without expiry, too long-lived or for another
 * audience, another user, the owner, and holders of each do-not-call scope. Each answer must be the designed one;
 * and no caller but the owner may read, start, change or import into a campaign: the owner's campaign, contacts,
 * imports and attempts are compared around each call, and no answer to another caller names a contact's number.
 */

import { afterAll, expect, it } from '@jest/globals';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { SignJWT } from 'jose';
import { type ApiRequest, apiEvent } from '../helpers/apiGateway.ts';
import { lambdaContext } from '../helpers/lambda.ts';
import { type SystemHarness, startSystemHarness } from '../helpers/systemHarness.ts';
import { itKeepsContactsPrivate } from './privacy.ts';
import { writeReportSection } from './report.ts';

const AUTH = {
  AUTH_ISSUER: 'voice-campaign-reliability',
  AUTH_AUDIENCE: 'voice-campaign-api',
  AUTH_LOCAL_SECRET: 'reliability-suite-token-secret-0123456789',
};
const harness: SystemHarness = await startSystemHarness(AUTH);
const { handler: authorizer } = await import('../../src/functions/authorizer.ts');
afterAll(() => harness.stop());

const OWNER = 'access-owner';
const CONTACT_NUMBER = '+12025550142';
const LISTED = '+12025550143';

type CallerKind =
  | 'none'
  | 'malformed'
  | 'forged'
  | 'unsigned'
  | 'expired'
  | 'noExpiry'
  | 'overLifetime'
  | 'wrongAudience'
  | 'otherUser'
  | 'owner'
  | 'dncWrite'
  | 'dncAdmin';
const CALLERS: CallerKind[] = [
  'none',
  'malformed',
  'forged',
  'unsigned',
  'expired',
  'noExpiry',
  'overLifetime',
  'wrongAudience',
  'otherUser',
  'owner',
  'dncWrite',
  'dncAdmin',
];
const REFUSED_TOKENS = new Set<CallerKind>([
  'malformed',
  'forged',
  'unsigned',
  'expired',
  'noExpiry',
  'overLifetime',
  'wrongAudience',
]);

async function token(caller: CallerKind): Promise<string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  const key = new TextEncoder().encode(AUTH.AUTH_LOCAL_SECRET);
  const sign = (claims: Record<string, unknown>, subject: string, secret = key) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuer(AUTH.AUTH_ISSUER)
      .setAudience(AUTH.AUTH_AUDIENCE)
      .setIssuedAt(now);
    return jwt.sign(secret);
  };
  const hour = (claims: Record<string, unknown> = {}) => ({ exp: now + 3600, ...claims });
  switch (caller) {
    case 'none':
      return undefined;
    case 'malformed':
      return 'not.a.token';
    case 'forged':
      return sign(hour(), OWNER, new TextEncoder().encode('another-secret-of-at-least-32-characters!!'));
    case 'unsigned': {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${part({ alg: 'none' })}.${part({ sub: OWNER, iss: AUTH.AUTH_ISSUER, aud: AUTH.AUTH_AUDIENCE, exp: now + 3600 })}.`;
    }
    case 'expired':
      return sign({ exp: now - 60 }, OWNER);
    case 'noExpiry':
      return sign({}, OWNER);
    case 'overLifetime':
      return sign({ exp: now + 48 * 3600 }, OWNER);
    case 'wrongAudience':
      return new SignJWT({ exp: now + 3600 })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(OWNER)
        .setIssuer(AUTH.AUTH_ISSUER)
        .setAudience('another-api')
        .sign(key);
    case 'otherUser':
      return sign(hour(), 'access-other');
    case 'owner':
      return sign(hour(), OWNER);
    case 'dncWrite':
      return sign(hour({ scope: 'dnc:write' }), 'access-dnc-writer');
    case 'dncAdmin':
      return sign(hour({ scope: 'dnc:admin' }), 'access-dnc-admin');
  }
}

type Fn = Parameters<SystemHarness['http']>[0];
interface Route {
  fn: Fn;
  method: ApiRequest['method'];
  resource: string;
  body?: unknown;
  /** The state the owner's campaign is put in before the call. */
  state?: 'draft' | 'running' | 'paused';
}

const ROUTES: Route[] = [
  {
    fn: 'createCampaign',
    method: 'POST',
    resource: '/campaigns',
    body: { name: 'n', callerId: '+12025550100', callFlow: 'f' },
  },
  { fn: 'listCampaigns', method: 'GET', resource: '/campaigns' },
  { fn: 'campaignStatus', method: 'GET', resource: '/campaigns/{campaignId}' },
  { fn: 'updateCampaign', method: 'PATCH', resource: '/campaigns/{campaignId}', body: { name: 'renamed' } },
  { fn: 'deleteCampaign', method: 'DELETE', resource: '/campaigns/{campaignId}' },
  {
    fn: 'addContacts',
    method: 'POST',
    resource: '/campaigns/{campaignId}/contacts',
    body: { contacts: [{ phoneNumber: '+12025550144' }] },
  },
  { fn: 'listContacts', method: 'GET', resource: '/campaigns/{campaignId}/contacts' },
  { fn: 'deleteContact', method: 'DELETE', resource: '/campaigns/{campaignId}/contacts/{contactId}' },
  { fn: 'listAttempts', method: 'GET', resource: '/campaigns/{campaignId}/contacts/{contactId}/attempts' },
  { fn: 'createImport', method: 'POST', resource: '/campaigns/{campaignId}/imports' },
  { fn: 'getImport', method: 'GET', resource: '/campaigns/{campaignId}/imports/{importId}' },
  { fn: 'startCampaign', method: 'POST', resource: '/campaigns/{campaignId}/start' },
  { fn: 'pauseCampaign', method: 'POST', resource: '/campaigns/{campaignId}/pause', state: 'running' },
  { fn: 'resumeCampaign', method: 'POST', resource: '/campaigns/{campaignId}/resume', state: 'paused' },
  { fn: 'cancelCampaign', method: 'POST', resource: '/campaigns/{campaignId}/cancel', state: 'running' },
  { fn: 'campaignPreview', method: 'GET', resource: '/campaigns/{campaignId}/preview' },
  { fn: 'campaignMetrics', method: 'GET', resource: '/campaigns/{campaignId}/metrics' },
  { fn: 'blacklistCheck', method: 'POST', resource: '/blacklist/lookup', body: { phoneNumber: LISTED } },
  {
    fn: 'blacklistAdd',
    method: 'POST',
    resource: '/blacklist',
    body: { phoneNumber: '+12025550145', reason: 'asked not to be called' },
  },
  {
    fn: 'blacklistRemove',
    method: 'POST',
    resource: '/blacklist/remove',
    body: { phoneNumber: LISTED, reason: 'listed by mistake' },
  },
];

/** The designed answer of a route to a caller (after API Gateway and the authorizer). */
function designed(route: Route, caller: CallerKind): number {
  if (caller === 'none') return 401;
  if (REFUSED_TOKENS.has(caller)) return 403;
  if (route.fn === 'blacklistCheck') return 200;
  if (route.fn === 'blacklistAdd') return caller === 'dncWrite' || caller === 'dncAdmin' ? 201 : 403;
  if (route.fn === 'blacklistRemove') return caller === 'dncAdmin' ? 200 : 403;
  if (route.fn === 'createCampaign') return 201;
  if (route.fn === 'listCampaigns') return 200;
  if (caller !== 'owner') return 404;
  return OWNER_ANSWERS[route.fn] ?? 200;
}
const OWNER_ANSWERS: Partial<Record<Fn, number>> = {
  deleteCampaign: 204,
  startCampaign: 202,
  deleteContact: 204,
  createImport: 201,
};

const control = (fn: Fn, campaignId: string) =>
  harness.http(
    fn,
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/control',
      pathParameters: { campaignId },
      userId: OWNER,
      body: {},
    }),
  );

/** The owner's campaign for one call: a contact, an import, in the route's state. */
async function fixture(route: Route) {
  const created = await harness.http(
    'createCampaign',
    apiEvent({
      method: 'POST',
      resource: '/campaigns',
      userId: OWNER,
      body: { name: 'Owner campaign', callerId: '+12025550100', callFlow: 'flows/x' },
    }),
  );
  const campaignId = String(created.body.campaignId);
  await harness.http(
    'addContacts',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/contacts',
      pathParameters: { campaignId },
      userId: OWNER,
      body: { contacts: [{ id: 'c-1', phoneNumber: CONTACT_NUMBER }] },
    }),
  );
  const opened = await harness.http(
    'createImport',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/imports',
      pathParameters: { campaignId },
      userId: OWNER,
    }),
  );
  if (route.state === 'running' || route.state === 'paused') {
    // A campaign with an import waiting cannot start: its import is closed as expired first.
    await harness.db.query("UPDATE imports SET status = 'failed', error = 'closed' WHERE campaign_id = $1", [
      campaignId,
    ]);
    expect((await control('startCampaign', campaignId)).statusCode).toBe(202);
  }
  if (route.state === 'paused') expect((await control('pauseCampaign', campaignId)).statusCode).toBe(200);
  return { campaignId, contactId: 'c-1', importId: String(opened.body.importId) };
}

async function snapshot(campaignId: string): Promise<string> {
  const { rows } = await harness.db.query(
    `SELECT (SELECT row_to_json(c) FROM campaigns c WHERE id = $1) AS campaign,
            (SELECT json_agg(t ORDER BY id) FROM contacts t WHERE campaign_id = $1) AS contacts,
            (SELECT json_agg(i ORDER BY id) FROM imports i WHERE campaign_id = $1) AS imports,
            (SELECT count(*) FROM call_attempts WHERE campaign_id = $1) AS attempts`,
    [campaignId],
  );
  return JSON.stringify(rows[0]);
}

let added = 0;

async function call(route: Route, caller: CallerKind, ids: Record<string, string>) {
  const resourceParams = [...route.resource.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  const request: ApiRequest = {
    method: route.method,
    resource: route.resource,
    pathParameters: Object.fromEntries(resourceParams.map((p) => [p, ids[p] ?? ''])),
    ...(route.body ? { body: route.body } : {}),
  };
  // Each addition lists a number of its own: one listed before would be answered 200 (already listed).
  if (route.fn === 'blacklistAdd') {
    added += 1;
    request.body = { ...(route.body as object), phoneNumber: `+1202555${2000 + added}` };
  }
  const bearer = await token(caller);
  if (bearer === undefined) return harness.http(route.fn, apiEvent(request));
  const { result: verdict } = await harness.quietly(
    () =>
      authorizer(
        {
          type: 'TOKEN',
          authorizationToken: `Bearer ${bearer}`,
          methodArn: `arn:aws:execute-api:us-east-1:123456789012:abc123/test/${route.method}${route.resource}`,
        },
        lambdaContext('authorizer'),
      ) as Promise<APIGatewayAuthorizerResult>,
  );
  const allowed = verdict.policyDocument.Statement.every((s) => s.Effect === 'Allow');
  // API Gateway answers a Deny itself, with 403, and never calls the function.
  if (!allowed)
    return { statusCode: 403, body: { message: 'User is not authorized to access this resource' } };
  return harness.http(
    route.fn,
    apiEvent({
      ...request,
      userId: String(verdict.context?.userId),
      scopes: String(verdict.context?.scopes ?? ''),
    }),
  );
}

it('answers every caller of every route as designed, and lets no one but the owner touch a campaign', async () => {
  const wrong: Array<{ fn: string; caller: CallerKind; status: number; expected: number; why: string }> = [];
  for (const route of ROUTES) {
    for (const caller of CALLERS) {
      // Prepare: the owner's campaign, and a listed number for the removal
      const ids = await fixture(route);
      await harness.blacklist([LISTED]);
      const before = await snapshot(ids.campaignId);

      // Act
      const response = await call(route, caller, ids);

      // Assert: the designed answer; the campaign untouched unless the owner changed it
      const expected = designed(route, caller);
      const text = JSON.stringify(response.body ?? null);
      const problems = [
        response.statusCode !== expected ? 'status' : '',
        response.statusCode >= 400 && typeof (response.body as { message?: unknown })?.message !== 'string'
          ? 'no message'
          : '',
        caller !== 'owner' && (await snapshot(ids.campaignId)) !== before ? 'campaign changed' : '',
        caller !== 'owner' && (text.includes('2025550142') || text.includes(ids.campaignId))
          ? 'owner data shown'
          : '',
      ].filter(Boolean);
      if (problems.length > 0)
        wrong.push({ fn: route.fn, caller, status: response.statusCode, expected, why: problems.join(', ') });
    }
  }
  await writeReportSection('access', {
    routes: ROUTES.length,
    callerKinds: CALLERS.length,
    cells: ROUTES.length * CALLERS.length,
    wrongAnswers: wrong.length,
  });
  expect(wrong).toEqual([]);
}, 300_000);

itKeepsContactsPrivate(harness, 'access');
