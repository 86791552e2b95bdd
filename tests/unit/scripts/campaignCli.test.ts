/** `npm run campaign` against a small API server standing in for the real one: the requests it sends, its answers. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../../local/stack.ts';

const SCRIPT = join(import.meta.dirname, '..', '..', '..', 'scripts', 'campaign.ts');
const requests: Array<{ method: string; url: string; auth: string; body: unknown }> = [];
let server: Server;
let api = '';
let dir = '';

const bodyOf = (req: IncomingMessage) =>
  new Promise<unknown>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        resolve('(not JSON)');
      }
    });
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'voice-campaign-cli-'));
  server = createServer(async (req, res) => {
    const body = (await bodyOf(req)) as { name?: string; contacts?: unknown[] } | undefined;
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      auth: req.headers.authorization ?? '',
      body,
    });
    const send = (status: number, answer: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    };
    if (req.url === '/campaigns' && body?.name === 'bad') {
      return send(400, { message: 'The request is not valid', details: ['missing field callerId'] });
    }
    if (req.url === '/campaigns') return send(201, { campaignId: 'c-1', ...body });
    if (req.url === '/campaigns/c-1/imports' && req.method === 'POST') {
      return send(201, {
        importId: 'i-1',
        status: 'waiting',
        upload: { url: `${api}/upload`, fields: { key: 'uploads/c-1/i-1.csv' }, maxBytes: 100 },
      });
    }
    if (req.url === '/upload') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end('<Error><Code>AccessDenied</Code><Message>Policy expired</Message></Error>');
    }
    if (req.url === '/campaigns/c-1/imports/i-1') return send(200, { importId: 'i-1', status: 'cancelled' });
    if (req.url?.endsWith('/contacts')) {
      return send(200, {
        added: (body?.contacts?.length ?? 1) - 1,
        refused: [{ index: 0, reason: 'invalid' }],
      });
    }
    send(404, { message: 'Campaign not found' });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, ...args, '--api', api, '--token', 't-1']);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('npm run campaign', () => {
  it('opens an import with the phone column named, and says why S3 refused the upload', async () => {
    const file = join(dir, 'contacts.csv');
    await writeFile(file, 'Name,Mobile\nAda,2025550101\n');

    const run = await cli('import', 'c-1', file, '--phone-column', 'Mobile');

    expect(run.code).toBe(1);
    expect(requests.find((r) => r.url === '/campaigns/c-1/imports')).toMatchObject({
      method: 'POST',
      body: { phoneColumn: 'Mobile' },
    });
    expect(run.err).toContain('The upload was refused (403): AccessDenied: Policy expired');
  });

  it('cancels an import and reads its status', async () => {
    const cancelled = await cli('import', 'cancel', 'c-1', 'i-1');
    const status = await cli('import', 'status', 'c-1', 'i-1');
    expect([cancelled.code, status.code]).toEqual([0, 0]);
    expect(requests.filter((r) => r.url === '/campaigns/c-1/imports/i-1').map((r) => r.method)).toEqual([
      'DELETE',
      'GET',
    ]);
    expect(JSON.parse(cancelled.out)).toEqual({ importId: 'i-1', status: 'cancelled' });
  });

  it('creates a campaign with the token given', async () => {
    const run = await cli('create', '--name', 'Spring', '--caller-id', '+12025550100', '--call-flow', 'f-1');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual({
      campaignId: 'c-1',
      name: 'Spring',
      callerId: '+12025550100',
      callFlow: 'f-1',
    });
    expect(requests.at(-1)).toMatchObject({ method: 'POST', url: '/campaigns', auth: 'Bearer t-1' });
  });

  it('sends a large contacts file 1,000 at a time and numbers the refused rows across the whole file', async () => {
    // Prepare
    const file = join(dir, 'contacts.json');
    await writeFile(
      file,
      JSON.stringify(Array.from({ length: 2_500 }, (_, i) => ({ phoneNumber: `+1202555${i}` }))),
    );
    const before = requests.length;

    // Act
    const run = await cli('contacts', 'add', 'c-1', file);

    // Assess
    expect(run.code).toBe(0);
    const sent = requests.slice(before).map((r) => (r.body as { contacts: unknown[] }).contacts.length);
    expect(sent).toEqual([1_000, 1_000, 500]);
    expect(JSON.parse(run.out)).toEqual({
      added: 2_497,
      refused: [
        { index: 0, reason: 'invalid' },
        { index: 1_000, reason: 'invalid' },
        { index: 2_000, reason: 'invalid' },
      ],
    });
  });

  it('prints a refusal with its details and exits 1; a usage error exits 2', async () => {
    const refused = await cli('create', '--name', 'bad');
    expect(refused.code).toBe(1);
    expect(refused.err).toBe('POST /campaigns: 400 The request is not valid\n  - missing field callerId\n');
    const unknown = await cli('launch');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Unknown command "launch"');
  });
});
