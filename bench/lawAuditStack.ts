/**
 * `npm run audit:law -- --stack`: the law run against a running `npm start` on fresh data (`npm run reset` first;
 * start it with `--clock-start` and `--time-scale`, e.g. `npm start -- --clock-start 2027-03-13T05:00:00Z
 * --time-scale 1000`), through its public API
 * as a user would drive it: two numbers put on the do-not-call list, two campaigns of the local user with the same
 * contacts (every case of the law oracle), started together, followed to `completed`; then every call placed (when the telephony simulator started it) is read
 * from the stack's PostgreSQL and checked by the law oracle (tests/helpers/lawOracle.ts), with the limits across both campaigns and the opt-outs.
 * Prints the findings and writes them to bench/results/law-audit-stack.json; exits 1 when any call broke a rule.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LOCAL_DIR, STACK_FILE } from '../local/paths.ts';
import { ORACLE_CONTACTS, oracleViolation } from '../tests/helpers/lawOracle.ts';

const api = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const token = (await readFile(join(LOCAL_DIR, 'dev-token'), 'utf8')).trim();
const { env } = JSON.parse(await readFile(STACK_FILE, 'utf8')) as { env: Record<string, string> };

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

const settings = {
  callerId: '+12025550100',
  callFlow: 'flows/law-audit',
  callingWindow: { start: '08:00', end: '21:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
  maxAttempts: 10,
  retryDelays: { busy: 90, no_answer: 300, machine: 600, failed: 60 },
  pacing: { callsPerMinute: 1_000, maxConcurrentCalls: 1_000 },
};
const listed = [ORACLE_CONTACTS[0]?.phoneNumber ?? '', ORACLE_CONTACTS[9]?.phoneNumber ?? ''];

// The limits count the owner's calls to a number across campaigns: calls an earlier run made to these numbers would
// hold this run's back (and, made on a later clock than this stack's, for the whole run), and the findings would
// not be this run's.
const before = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 });
const { rows: earlier } = await before.query<{ calls: number }>(
  `SELECT count(*)::int AS calls FROM call_attempts a
   JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
   WHERE a.status = 'initiated' AND c.phone_number = ANY($1)`,
  [ORACLE_CONTACTS.map((contact) => contact.phoneNumber)],
);
await before.end();
if ((earlier[0]?.calls ?? 0) > 0) {
  console.error(
    `law audit: this stack holds ${earlier[0]?.calls} calls to the audit's numbers from an earlier run; they would ` +
      'count against the limits. Stop it, run `npm run reset`, start it again and run the audit.',
  );
  process.exit(2);
}
for (const phoneNumber of listed) await call('POST', '/blacklist', { phoneNumber, reason: 'law audit' });
const ids: string[] = [];
for (const side of ['a', 'b']) {
  const created = await call('POST', '/campaigns', { name: `law-audit-${side}`, ...settings });
  const id = String(created.campaignId);
  await call('POST', `/campaigns/${id}/contacts`, { contacts: ORACLE_CONTACTS });
  ids.push(id);
}
for (const id of ids) await call('POST', `/campaigns/${id}/start`, {});
console.error(`law audit: campaigns ${ids.join(', ')} started; following them to completed`);
for (;;) {
  const states = await Promise.all(ids.map((id) => call('GET', `/campaigns/${id}`)));
  if (states.every((state) => state.status === 'completed')) break;
  await sleep(2_000);
}

const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 });
const { rows } = await db.query<{
  campaign_id: string;
  phone_number: string;
  given_time_zone: string | null;
  us_state: string | null;
  postal_code: string | null;
  initiated_at: Date;
}>(
  // When the telephony placed the call (its result's startedAt), else when the dialer sent it.
  `SELECT a.campaign_id, c.phone_number, c.given_time_zone, c.us_state, c.postal_code,
     coalesce((a.result ->> 'startedAt')::timestamptz, a.initiated_at) AS initiated_at
   FROM call_attempts a JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
   WHERE a.campaign_id = ANY($1) AND a.status = 'initiated' ORDER BY a.initiated_at`,
  [ids],
);
const { rows: optOuts } = await db.query<{ phone_number: string; at: Date }>(
  `SELECT c.phone_number, min(a.result_at) AS at FROM call_attempts a
   JOIN contacts c ON c.campaign_id = a.campaign_id AND c.id = a.contact_id
   WHERE a.campaign_id = ANY($1) AND a.opt_out GROUP BY c.phone_number`,
  [ids],
);
await db.end();

const unlawful = rows.flatMap((row) => {
  const why = oracleViolation(
    row.initiated_at,
    {
      phoneNumber: row.phone_number,
      ...(row.given_time_zone ? { timeZone: row.given_time_zone } : {}),
      ...(row.us_state ? { usState: row.us_state } : {}),
      ...(row.postal_code ? { postalCode: row.postal_code } : {}),
    },
    [8 * 60, 21 * 60],
  );
  return why ? [`${row.initiated_at.toISOString()} ${row.phone_number.slice(0, 5)}: ${why}`] : [];
});
let overCap = 0;
for (const number of new Set(rows.map((row) => row.phone_number))) {
  const times = rows.filter((row) => row.phone_number === number).map((row) => row.initiated_at.getTime());
  overCap += times.filter((t, i) => {
    const fourth = times[i + 3];
    return fourth !== undefined && fourth - t < 86_400_000;
  }).length;
}
const afterOptOut = rows.filter((row) =>
  optOuts.some((o) => o.phone_number === row.phone_number && row.initiated_at > o.at),
).length;
const listedCalled = rows.filter((row) => listed.includes(row.phone_number)).length;
const first = rows[0]?.initiated_at.toISOString();
const last = rows.at(-1)?.initiated_at.toISOString();
const report = {
  at: new Date().toISOString(),
  campaigns: ids,
  calls: rows.length,
  from: first,
  to: last,
  unlawful: unlawful.length,
  overCap,
  listedCalled,
  afterOptOut,
  optOuts: optOuts.length,
  examples: unlawful.slice(0, 10),
};
await writeFile(
  join(import.meta.dirname, 'results', 'law-audit-stack.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log(JSON.stringify(report, null, 2));
process.exitCode = unlawful.length + overCap + listedCalled + afterOptOut > 0 ? 1 : 0;
