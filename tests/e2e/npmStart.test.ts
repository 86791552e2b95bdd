/**
 * The system as a user starts it: `npm start` as a child process (in a data directory of its own), the demo campaign
 * (made by it through the API) started over HTTP with the token it wrote, a CSV imported with the command line, progress watched until every eligible contact is called, traces read
 * from the file it keeps, and Ctrl-C (SIGINT to its process group) leaving no process behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from '@jest/globals';
import { demoBlacklisted, demoContacts } from '../../local/demo.ts';
import { postgresDataDir, removePostgresData } from '../../local/postgres.ts';
import { isAlive } from '../../local/processes.ts';
import { freePort } from '../../local/stack.ts';
import { parseDocuments } from '../../local/traceModel.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// A private directory (mode 0700), as a clone under `mktemp -d` or /root is: PostgreSQL's own user cannot enter it.
const localDir = await mkdtemp(join(tmpdir(), 'voice-campaign-e2e-'));
const port = await freePort();
let system: ChildProcess | undefined;
let output = '';

afterAll(async () => {
  // Whatever a failed run left goes: npm start's process group, and the API server's (a group of its own).
  const stackFile = join(localDir, 'stack.json');
  const apiPid = existsSync(stackFile)
    ? (JSON.parse(readFileSync(stackFile, 'utf8')) as { apiPid?: number }).apiPid
    : undefined;
  for (const group of [system?.pid, apiPid]) {
    try {
      if (group !== undefined) process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  system?.stdout?.destroy();
  system?.stderr?.destroy();
  await removePostgresData(join(localDir, 'postgres'));
  await rm(localDir, { recursive: true, force: true });
});

/** One HTTP request without keep-alive (no socket outlives the test); every answer must be JSON. */
function request(
  url: string,
  method: string,
  token?: string,
  // Node's client frames no body for GET or DELETE (no Content-Length, no chunking): send one only with the others.
  body = method === 'GET' || method === 'DELETE' ? undefined : '{}',
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
        } catch {
          reject(
            new Error(
              `${method} answered ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`,
            ),
          );
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (system?.exitCode !== null && system?.exitCode !== undefined && what !== 'every process to stop') {
      throw new Error(
        `npm start exited (${system.exitCode}) while waiting for ${what}:\n${output.slice(-3000)}`,
      );
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; npm start printed:\n${output.slice(-3000)}`);
    await sleep(500);
  }
}

it('runs the whole system: the demo run to completed over HTTP on a fast clock, traces kept, clean stop', async () => {
  // Prepare: start the system as a user does, its clock 1,000 times faster (a simulated day in under 90 s).
  system = spawn('npm', ['start', '--', '--time-scale', '1000'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORT: String(port), VOICE_CAMPAIGN_LOCAL_DIR: localDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  system.stdout?.on('data', collect);
  system.stderr?.on('data', collect);
  await waitFor('ready', 240, async () => (output.includes('ready:') ? true : undefined));
  // It says what it is doing before it is ready: no long silence after the command
  const beforeReady = output.slice(0, output.indexOf('ready:'));
  expect(beforeReady).toContain('Starting the embedded stack');
  expect(beforeReady).toContain('Building the functions and starting the local API');
  const token = readFileSync(join(localDir, 'dev-token'), 'utf8').trim();
  const api = `http://127.0.0.1:${port}`;
  // The demo campaign was made through the API; its id is on file.
  const demo = readFileSync(join(localDir, 'demo-campaign'), 'utf8').trim();
  const demoUrl = `${api}/campaigns/${demo}`;

  // Act
  const refused = await request(`${demoUrl}/start`, 'POST');
  const forged = await request(`${demoUrl}/start`, 'POST', `${token.slice(0, -4)}AAAA`);
  const tooLong = await request(`${api}/campaigns/${'a'.repeat(70_000)}`, 'GET', token);
  const noRoute = await request(`${api}/no/such/route`, 'GET', token);
  const number = JSON.stringify({ phoneNumber: '+1 202-555-0143', reason: 'asked not to be called' });
  const listed = await request(`${api}/blacklist`, 'POST', token, number);
  const listedAgain = await request(`${api}/blacklist`, 'POST', token, number);
  const started = await request(`${demoUrl}/start`, 'POST', token);
  // A campaign of its own through the API: created, contacts added, listed, changed (PATCH), deleted
  const draft = JSON.stringify({ name: 'Walkthrough', callerId: '+12025550100', callFlow: 'flows/e2e' });
  const created = await request(`${api}/campaigns`, 'POST', token, draft);
  const own = `${api}/campaigns/${String(created.body.campaignId)}`;
  const rows = JSON.stringify({ contacts: [{ phoneNumber: '(202) 555-0171' }, { phoneNumber: '12' }] });
  const added = await request(`${own}/contacts`, 'POST', token, rows);
  // ... and a CSV imported with the command line: uploaded to the local S3, imported by importWorker
  const csv = join(localDir, 'contacts.csv');
  writeFileSync(csv, 'phone,first_name\n(202) 555-0172,Ada\n(202) 555-0173,Grace\nnot a number,Bob\n');
  const imported = spawnSync(
    'npm',
    ['run', '-s', 'campaign', '--', 'import', String(created.body.campaignId), csv],
    // No address and no token given: the CLI finds the running stack's API (on a port of its own) and token on file
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, PORT: '', VOICE_CAMPAIGN_LOCAL_DIR: localDir },
    },
  );
  const stackFileMode = statSync(join(localDir, 'stack.json')).mode & 0o777;
  const listedContacts = await request(`${own}/contacts`, 'GET', token);
  const patched = await request(own, 'PATCH', token, JSON.stringify({ pacing: { callsPerMinute: 5 } }));
  const removedDraft = await request(own, 'DELETE', token);
  // At 1,000 times real time a call's result may take longer than the hour the scheduler waits for it (3.6 s here):
  // the contact's next attempt goes, and the campaign can complete while that late result is on its way. Waited for
  // until none is left in flight: a call whose result never came would keep it from 0.
  const status = await waitFor('the demo campaign completed, no call in flight', 240, async () => {
    const { body } = await request(demoUrl, 'GET', token);
    return body.status === 'completed' && body.callsInFlight === 0 ? body : undefined;
  });
  const preview = await request(`${demoUrl}/preview`, 'GET', token);

  // Assess: the local signing secret and phone-hash key it holds are readable by this user only
  expect(stackFileMode).toBe(0o600);
  // Assess: the API, JSON with a message for every refusal, its own or the server's
  expect(refused).toEqual({ status: 401, body: { message: expect.any(String) } });
  expect(forged).toEqual({ status: 403, body: { message: expect.any(String) } });
  expect(tooLong).toEqual({ status: 414, body: { message: 'The URL is longer than 8192 characters' } });
  expect(noRoute).toEqual({ status: 404, body: { message: 'No route matches this method and path' } });
  expect([listed.status, listedAgain.status]).toEqual([201, 200]);
  expect(started.status).toBe(202);
  expect([created.status, added.status, listedContacts.status, patched.status, removedDraft.status]).toEqual([
    201, 200, 200, 200, 204,
  ]);
  expect(added.body).toEqual({
    added: 1,
    refused: [{ index: 1, reason: 'phoneNumber is not a valid phone number' }],
  });
  expect(imported.stdout).toMatch(/Done in [\d.]+ s: 3 rows read, 2 added, 1 refused/);
  expect(imported.status).toBe(0);
  expect(readFileSync(join(localDir, 'contacts.rejects.csv'), 'utf8')).toBe(
    'rejected_row,rejected_reason,phone,first_name\r\n4,phoneNumber is not a valid phone number,not a number,Bob\r\n',
  );
  expect(listedContacts.body.contacts).toHaveLength(3);
  expect(listedContacts.body.contacts).toContainEqual(
    expect.objectContaining({
      phoneNumber: '+12025550171',
      zones: { 'America/New_York': ['area_code'] },
    }),
  );
  expect(listedContacts.body.contacts).toContainEqual(
    expect.objectContaining({ phoneNumber: '+12025550172', attributes: { first_name: 'Ada' } }),
  );
  expect(patched.body.pacing).toEqual({ callsPerMinute: 5, maxConcurrentCalls: 10 });
  expect(started.body).toEqual({ campaignId: demo, status: 'running', contacts: 1_000 });
  // Every contact ended: answered, opted out, invalid, out of attempts, or listed (the 10 listed ones, never called)
  const done = status.contactsDone as Record<string, number>;
  expect(Object.values(done).reduce((sum, n) => sum + n, 0)).toBe(1_000);
  expect(done.do_not_call).toBe(10);
  expect(done.answered).toBeGreaterThan(500);
  expect(status).toMatchObject({ callsInFlight: 0, contactsOpen: 0, nextReleaseAt: null });
  expect((status.counts as Record<string, number>).initiated).toBeGreaterThan(990);
  expect(preview).toMatchObject({ status: 200, body: { contactsOpen: 0, hours: expect.any(Array) } });

  // Assess: the traces of the start, the scheduler, the dialer and the results, annotated, with no raw number
  const segmentsFile = join(localDir, 'xray', 'segments.ndjson');
  const text = await waitFor('the dialer traces on file', 30, async () => {
    const content = readFileSync(segmentsFile, 'utf8');
    return content.includes('"name":"dialerWorker"') ? content : undefined;
  });
  const docs = parseDocuments(text);
  for (const name of ['startCampaign', 'dialerWorker', 'ScheduleCampaign']) {
    const roots = docs.filter((doc) => doc.name === name);
    expect(roots.length).toBeGreaterThan(0);
    expect(roots.every((doc) => doc.annotations?.campaignId === demo)).toBe(true);
  }
  expect(docs.filter((doc) => doc.name === 'RecordCallResult').length).toBeGreaterThan(990);
  // A tick and the dialer invocations it released share a trace
  const tickTraces = new Set(docs.filter((doc) => doc.name === 'scheduler').map((doc) => doc.trace_id));
  expect(docs.some((doc) => doc.name === 'dialerWorker' && tickTraces.has(doc.trace_id))).toBe(true);
  expect(docs.filter((doc) => doc.name === 'Import')).toContainEqual(
    expect.objectContaining({
      annotations: expect.objectContaining({ campaignId: created.body.campaignId }),
    }),
  );
  expect(
    new Set(docs.filter((doc) => doc.name === 'dialerWorker').map((doc) => doc.trace_id)).size,
  ).toBeGreaterThan(90);
  // The imported numbers however written ('+12025550172', '(202) 555-0172'), and not a run of digits that holds them:
  // a trace's start time such as 1796523555.0172844 is no number.
  const importedNumber = /202\D{0,2}555\D?017[23](?!\d)/;
  expect(text).not.toMatch(importedNumber);
  expect(output).not.toMatch(importedNumber);
  for (const contact of demoContacts()) {
    expect(text.includes(contact.phoneNumber)).toBe(false);
    expect(text.includes(contact.phoneNumber.slice(3))).toBe(false);
    expect(output.includes(contact.phoneNumber.slice(3))).toBe(false);
  }
  // A refused token and a number already listed are answers, not failures: no error or fault in their traces
  const authorizerDocs = docs.filter((doc) => doc.name === 'authorizer');
  expect(authorizerDocs.length).toBeGreaterThan(0);
  const listingTraces = new Set(docs.filter((doc) => doc.name === 'blacklistAdd').map((doc) => doc.trace_id));
  expect(listingTraces.size).toBe(2);
  const calm = [...authorizerDocs, ...docs.filter((doc) => listingTraces.has(doc.trace_id))];
  expect(calm.filter((doc) => doc.error === true || doc.fault === true)).toEqual([]);

  // Assess: the log, short and without a number: a line per request and per batch, campaign summaries
  expect(output).not.toContain('2025550143');
  expect(output).toMatch(/http +POST +\/blacklist 201 \d+ ms/);
  expect(output).toContain(`POST   /campaigns/${demo}/start 403`);
  expect(output).toMatch(/importWorker +batch +received=1 imported=1 rows_read=3 added=2 refused=1/);
  const summary = new RegExp(`campaign ${demo} completed: \\d+ calls, 1000 of 1000 contacts done \\(`);
  await waitFor('the campaign summary in the log', 15, async () => (summary.test(output) ? true : undefined));
  expect(output).not.toContain('RequestId:');
  // Batches are summed: a line per function and 5 seconds, however long the run takes on a loaded machine (a line
  // per batch would be over 700). The other lines: a line per request, the summaries, a warning now and then; the
  // test's own look at the campaign every half second, as many as the run is long, not counted.
  const lines = output.split('\n');
  const batchLines = lines
    .map((line) => /^(\d\d:\d\d:\d\d) (\S+) +(?:batch|\d+ batches) /.exec(line))
    .filter((match) => match !== null)
    .map(([, window, fn]) => `${window} ${fn}`);
  const polls = lines.filter((line) => line.includes(`GET    /campaigns/${demo} 200`));
  expect(batchLines.length).toBeGreaterThan(5);
  expect(batchLines.filter((line, i) => batchLines.indexOf(line) !== i)).toEqual([]);
  expect(polls.length).toBeGreaterThan(0);
  expect(lines.length - batchLines.length - polls.length).toBeLessThan(150);
  expect(demoBlacklisted()).toHaveLength(10);

  // Act: Ctrl-C
  const state = JSON.parse(readFileSync(join(localDir, 'stack.json'), 'utf8')) as {
    pid: number;
    apiPid: number;
  };
  const postgresPid = Number(
    readFileSync(join(postgresDataDir(join(localDir, 'postgres')), 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  const exited = new Promise((resolve) => system?.once('exit', resolve));
  if (system.pid !== undefined) process.kill(-system.pid, 'SIGINT');
  await Promise.race([exited, sleep(30_000, undefined, { ref: false })]);

  // Assess: nothing left behind
  await waitFor('every process to stop', 15, async () =>
    [state.pid, state.apiPid, postgresPid].some(isAlive) ? undefined : true,
  );
  expect(existsSync(join(localDir, 'stack.json'))).toBe(false);
}, 480_000);
