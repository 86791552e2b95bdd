/**
 * The local S3's front door for browser uploads: what S3 checks in a POST upload's signed policy, and s3rver does not
 * (it reads the form's fields and ignores its `Policy`). Every request passes through to s3rver unchanged, except a
 * form upload (POST of `multipart/form-data`), which is read whole and refused as S3 refuses it when:
 * - its policy has expired (403 AccessDenied),
 * - its file's size is outside the policy's `content-length-range` (400 EntityTooLarge / EntityTooSmall),
 * - a field differs from the policy's `eq` or `starts-with` condition on it (403 AccessDenied).
 * A refused upload stores nothing and so sends no upload notice. Hand-written: no npm package checks a POST policy on
 * the server side. The form is read as it arrives (busboy), its bytes spooled to a temporary file and sent on from
 * there once the policy holds: memory stays flat whatever the file's size.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';

/** The largest form upload the front reads to check (a local import's file, with its form fields). */
const MAX_FORM_BYTES = 1024 * 1024 * 1024;

type Condition = Record<string, string> | [string, ...Array<string | number>];

interface Policy {
  expiration?: string;
  conditions?: Condition[];
}

export interface PolicyRefusal {
  status: number;
  code: string;
  message: string;
}

const denied = (message: string): PolicyRefusal => ({ status: 403, code: 'AccessDenied', message });

/** Why S3 would refuse a form upload with these fields and this file size at `now`; undefined when it would not. */
export function policyRefusal(
  fields: ReadonlyMap<string, string>,
  fileSize: number,
  now: Date,
): PolicyRefusal | undefined {
  const encoded = fields.get('policy');
  if (encoded === undefined) return undefined;
  let policy: Policy;
  try {
    policy = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Policy;
  } catch {
    return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid JSON.' };
  }
  if (policy.expiration !== undefined && Date.parse(policy.expiration) <= now.getTime())
    return denied('Invalid according to Policy: Policy expired.');
  for (const condition of policy.conditions ?? []) {
    if (!Array.isArray(condition)) {
      for (const [name, value] of Object.entries(condition)) {
        if (name.toLowerCase() === 'bucket') continue;
        if (fields.get(name.toLowerCase()) !== value)
          return denied(
            `Invalid according to Policy: Policy Condition failed: ["eq", "$${name}", "${value}"]`,
          );
      }
      continue;
    }
    const [operator, ...operands] = condition;
    if (operator === 'content-length-range') {
      const [min, max] = operands.map(Number);
      if (fileSize > (max ?? Number.POSITIVE_INFINITY))
        return {
          status: 400,
          code: 'EntityTooLarge',
          message: 'Your proposed upload exceeds the maximum allowed size',
        };
      if (fileSize < (min ?? 0))
        return {
          status: 400,
          code: 'EntityTooSmall',
          message: 'Your proposed upload is smaller than the minimum allowed size',
        };
      continue;
    }
    const [field, expected] = operands.map(String);
    const name = (field ?? '').replace(/^\$/, '').toLowerCase();
    if (name === 'bucket') continue;
    const actual = fields.get(name) ?? '';
    const holds =
      operator === 'eq'
        ? actual === expected
        : operator === 'starts-with' && actual.startsWith(expected ?? '');
    if (!holds)
      return denied(
        `Invalid according to Policy: Policy Condition failed: ["${operator}", "$${name}", "${expected}"]`,
      );
  }
  return undefined;
}

function sendError(res: ServerResponse, refusal: PolicyRefusal): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code>` +
    `<Message>${refusal.message.replace(/[<>&]/g, '')}</Message></Error>`;
  res.writeHead(refusal.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    // As S3 answers a browser's upload under the bucket's CORS rule: the page can read why it was refused.
    ...(res.req?.headers.origin ? { 'access-control-allow-origin': '*' } : {}),
  });
  res.end(body);
}

class TooLarge extends Error {}

/** Counts the bytes going through, failing past `max`. */
function counter(max: number) {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > max ? new TooLarge() : null, chunk);
    },
  });
}

function pass(
  req: IncomingMessage,
  res: ServerResponse,
  upstreamPort: number,
  body?: { file: string; size: number },
): void {
  const upstream = httpRequest(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers: body === undefined ? req.headers : { ...req.headers, 'content-length': String(body.size) },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent)
      sendError(res, {
        status: 503,
        code: 'ServiceUnavailable',
        message: 'Please reduce your request rate.',
      });
    else res.destroy();
  });
  if (body === undefined) req.pipe(upstream);
  else createReadStream(body.file).pipe(upstream);
}

/** Reads a form upload as it arrives: its fields and its file's size, the raw bytes spooled to `spool`. */
async function readForm(req: IncomingMessage, spool: string) {
  const fields = new Map<string, string>();
  let fileSize = 0;
  const form = busboy({ headers: req.headers, limits: { fieldSize: 1024 * 1024 } });
  form.on('field', (name, value) => fields.set(name.toLowerCase(), value));
  form.on('file', (name, file) => {
    file.on('data', (chunk: Buffer) => {
      if (name === 'file') fileSize += chunk.length;
    });
  });
  const parsed = new Promise<void>((resolve, reject) => {
    form.once('close', resolve);
    form.once('error', reject);
  });
  const tee = new PassThrough();
  tee.pipe(form);
  await Promise.all([pipeline(req, counter(MAX_FORM_BYTES), tee, createWriteStream(spool)), parsed]);
  return { fields, fileSize, size: (await stat(spool)).size };
}

async function checkForm(req: IncomingMessage, res: ServerResponse, upstreamPort: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-upload-'));
  const spool = join(dir, 'form');
  let form: Awaited<ReturnType<typeof readForm>>;
  try {
    form = await readForm(req, spool);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    sendError(
      res,
      error instanceof TooLarge
        ? {
            status: 400,
            code: 'EntityTooLarge',
            message: 'Your proposed upload exceeds the maximum allowed size',
          }
        : {
            status: 400,
            code: 'MalformedPOSTRequest',
            message: 'The body of your POST request is not well-formed multipart/form-data.',
          },
    );
    return;
  }
  const refusal = policyRefusal(form.fields, form.fileSize, new Date());
  if (refusal !== undefined) {
    await rm(dir, { recursive: true, force: true });
    sendError(res, refusal);
    return;
  }
  res.once('close', () => {
    rm(dir, { recursive: true, force: true }).catch(() => {});
  });
  pass(req, res, upstreamPort, { file: spool, size: form.size });
}

/** Starts the front on a free loopback port, passing requests to s3rver on `upstreamPort`. */
export async function startS3PolicyFront(
  upstreamPort: number,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const isForm = req.method === 'POST' && /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    if (!isForm) {
      pass(req, res, upstreamPort);
      return;
    }
    checkForm(req, res, upstreamPort).catch(() => {
      if (!res.headersSent)
        sendError(res, { status: 500, code: 'InternalError', message: 'We encountered an internal error.' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
