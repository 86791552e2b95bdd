/**
 * The local API's front door: what API Gateway does before a request reaches a function, and serverless-offline
 * does not. It listens on the API's port and passes requests on to serverless-offline, and:
 * - answers every request it refuses itself with JSON and a message, as API Gateway does: a URL over 8,192
 *   characters (414), a body over 10 MB (413), headers too large (431), a request it cannot parse (400);
 * - turns serverless-offline's own error answers (an unknown route, a refused token) into `{ "message": ... }`;
 * - reports one line per request (method, path with anything number-like masked, status, duration);
 * - serves the dashboard (web/, built into `web.dir`) at `/`, the API's own origin, as CloudFront serves it on AWS,
 *   and the local demo token at `/local/token` (loopback only: this server listens on 127.0.0.1).
 * Hand-written: no npm proxy speaks API Gateway's limits and answers, and this is all of it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { redactPhoneLike } from '../src/lib/redact.ts';
import { buildTraces, filterTraces, parseDocuments } from './traceModel.ts';
import { tracesPage } from './traceView.ts';

/** API Gateway's limits (REST APIs): the request URL, the headers (names and values), the payload. */
export const MAX_URL_LENGTH = 8_192;
export const MAX_HEADER_BYTES = 10_240;
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Node refuses a larger request head (URL and headers) before any handler runs; answered in `clientError`. */
const MAX_HEAD_BYTES = 1024 * 1024;

export interface RequestLine {
  method: string;
  /** The path, percent-decoded, with anything that could be a phone number masked. */
  path: string;
  status: number;
  ms: number;
}

export interface ApiFront {
  port: number;
  close(): Promise<void>;
}

/**
 * The path of a request URL, safe to log: decoded (a `%2B1202...` is a number too), number-like runs masked, control
 * characters escaped.
 */
export function loggablePath(url: string): string {
  const path = url.split('?')[0] ?? '';
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Malformed escapes: masked as they are.
  }
  // Control characters (a CR/LF would start a forged line of the log) are written escaped, as in a URL.
  const escaped = decoded.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is matched
    /[\u0000-\u001f\u007f]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return redactPhoneLike(escaped).slice(0, 200);
}

/** The dashboard's files: the only paths served from disk (no other path reaches the file system). */
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.js.map': { file: 'app.js.map', type: 'application/json' },
  '/app.css.map': { file: 'app.css.map', type: 'application/json' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/**
 * As the distribution sends them on AWS: the page runs only its own script and talks only to its own origin, and to
 * the storage its import files go to.
 */
const pageHeaders = (uploadOrigin: string | undefined) => ({
  'content-security-policy': `default-src 'self'; connect-src 'self'${uploadOrigin ? ` ${uploadOrigin}` : ''}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
});

export interface PageOptions {
  /** The built dashboard (scripts/buildWeb.ts). */
  dir: string;
  /** The local demo user's token, offered to the page on the local stack. */
  localToken?: () => Promise<string>;
  /** Where the page sends import files (the local S3's origin), once known. */
  uploadOrigin?: () => string | undefined;
  /** The X-Ray receiver's documents (npm start's segments file): the dashboard's trace links open them. */
  tracesFile?: string;
}

/** Answers a request for the dashboard or the local token; false for anything else (the API's). */
async function servePage(req: IncomingMessage, res: ServerResponse, page: PageOptions): Promise<boolean> {
  if (req.method !== 'GET') return false;
  const path = (req.url ?? '').split('?')[0] ?? '';
  if (path === '/local/token' && page.localToken) {
    const body = JSON.stringify({ token: await page.localToken() });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
    return true;
  }
  if (path === '/config.json') {
    // What the page reads at start; on AWS publishDashboard writes it with the API's URL and the region.
    const body = JSON.stringify({
      apiUrl: `http://${req.headers.host ?? '127.0.0.1'}/`,
      traces: { kind: 'local' },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
    return true;
  }
  if (path === '/local/traces' && page.tracesFile) {
    const campaignId = new URL(req.url ?? '/', 'http://local').searchParams.get('campaign') ?? undefined;
    const text = existsSync(page.tracesFile) ? await readFile(page.tracesFile, 'utf8') : '';
    const traces = filterTraces(buildTraces(parseDocuments(text)), { campaignId, limit: 50 });
    const body = tracesPage(traces, campaignId ? `Traces of campaign ${campaignId}` : 'Local traces');
    // A page of its own: its style inline, no script at all.
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(body);
    return true;
  }
  const served = PAGE_FILES[path];
  if (served === undefined) return false;
  const content = await readFile(join(page.dir, served.file));
  res.writeHead(200, {
    'content-type': served.type,
    'content-length': content.length,
    ...pageHeaders(page.uploadOrigin?.()),
  });
  res.end(content);
  return true;
}

function sendJson(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

type Answer = { message?: unknown; error?: unknown; statusCode?: unknown };

function parsed(text: string): Answer | undefined {
  try {
    return JSON.parse(text) as Answer;
  } catch {
    return undefined;
  }
}

/**
 * Whether an error answer is a function's own (JSON with a message, details and all): sent on as it is. One from
 * serverless-offline itself (`{ statusCode, error, message }`) is answered as API Gateway would, a message only.
 */
function isFunctionAnswer(answer: Answer | undefined): boolean {
  return typeof answer?.message === 'string' && answer.message.length > 0 && answer.statusCode === undefined;
}

/** The message of an answer the server gave itself: never the path or anything else the caller sent. */
function messageFor(status: number, answer: Answer | undefined): string {
  if (status === 404) return 'No route matches this method and path';
  if (typeof answer?.message === 'string' && answer.message.length > 0) return answer.message;
  if (typeof answer?.error === 'string') return answer.error;
  return `Request failed with status ${status}`;
}

function refuseMalformed(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({
    message: tooLarge ? 'The request headers are too large' : 'The request could not be read as HTTP',
  });
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Starts the front door on `port` (127.0.0.1), passing requests to serverless-offline on `upstreamPort`. */
export async function startApiFront(options: {
  port: number;
  upstreamPort: number;
  onRequest: (line: RequestLine) => void;
  page?: PageOptions;
}): Promise<ApiFront> {
  const server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, (req, res) => {
    const started = performance.now();
    res.once('finish', () =>
      options.onRequest({
        method: req.method ?? '?',
        path: loggablePath(req.url ?? ''),
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      }),
    );
    const page = options.page;
    if (page === undefined) {
      forward(req, res, options.upstreamPort);
      return;
    }
    servePage(req, res, page).then(
      (served) => served || forward(req, res, options.upstreamPort),
      () => sendJson(res, 500, 'The dashboard could not be read: run npm start again'),
    );
  });
  server.on('clientError', refuseMalformed);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    port: options.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What API Gateway refuses before reading the body: a URL, headers or a declared body over its limits. */
function refusal(req: IncomingMessage): { status: number; message: string } | undefined {
  if ((req.url ?? '').length > MAX_URL_LENGTH) {
    return { status: 414, message: `The URL is longer than ${MAX_URL_LENGTH} characters` };
  }
  const headerBytes = req.rawHeaders.reduce((sum, part) => sum + Buffer.byteLength(part), 0);
  if (headerBytes > MAX_HEADER_BYTES) {
    return { status: 431, message: `The request headers are larger than ${MAX_HEADER_BYTES} bytes` };
  }
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    return { status: 413, message: 'The request body is larger than 10 MB' };
  }
  return undefined;
}

/** The body of a refused request read (and dropped) at most, so the client can finish sending and read the answer. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

function forward(req: IncomingMessage, res: ServerResponse, upstreamPort: number): void {
  let refusing = false;
  const refuse = ({ status, message }: { status: number; message: string }) => {
    refusing = true;
    // The connection is not reused. The rest of the body is read and dropped before it closes: a client still
    // sending (Node's fetch sends the whole body first) would otherwise get a broken pipe instead of this answer.
    res.setHeader('connection', 'close');
    let drained = 0;
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAINED_BYTES) req.destroy();
    });
    req.once('end', () => sendJson(res, status, message));
    req.resume();
  };
  const refused = refusal(req);
  if (refused !== undefined) {
    refuse(refused);
    return;
  }

  const upstream = httpRequest(
    { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      const status = answer.statusCode ?? 502;
      if (status < 400) {
        res.writeHead(status, answer.headers);
        answer.pipe(res);
        return;
      }
      // Error answers are small: read whole, and given a message where serverless-offline wrote none.
      let text = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        text += chunk;
      });
      answer.on('end', () => {
        const body = parsed(text);
        if (!isFunctionAnswer(body)) return sendJson(res, status, messageFor(status, body));
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      });
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent && !refusing) sendJson(res, 502, 'The local API server is not answering');
  });
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_BODY_BYTES && !refusing && !res.headersSent) {
      upstream.destroy();
      req.unpipe(upstream);
      refuse({ status: 413, message: 'The request body is larger than 10 MB' });
    }
  });
  req.pipe(upstream);
}
