/** The local API's front door against a small upstream server standing in for serverless-offline. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiFront, loggablePath, type RequestLine, startApiFront } from '../../../local/apiFront.ts';
import { freePort } from '../../../local/stack.ts';

let upstream: Server;
let front: ApiFront;
const lines: RequestLine[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/offline-404') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          statusCode: 404,
          error: 'Serverless-offline: route not found.',
          currentRoute: req.url,
        }),
      );
    } else if (req.url === '/refused') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'The request is not valid', details: ['missing field callerId'] }));
    } else if (req.url === '/plain-500') {
      res.writeHead(500);
      res.end('Internal Server Error');
    } else {
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: size }));
      });
    }
  });
  const upstreamPort = await freePort();
  await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));
  front = await startApiFront({
    port: await freePort(),
    upstreamPort,
    onRequest: (line) => lines.push(line),
  });
});
afterAll(async () => {
  await front.close();
  await new Promise((resolve) => upstream.close(resolve));
});

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
) {
  return new Promise<{ status: number; type: string | undefined; body: unknown }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: front.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the local API front door', () => {
  it('passes requests and answers through', async () => {
    expect(await call('/campaigns/demo', { method: 'POST', body: Buffer.from('{"a":1}') })).toMatchObject({
      status: 200,
      body: { received: 7 },
    });
  });

  it.each([
    [
      'a URL over 8,192 characters',
      `/campaigns/${'a'.repeat(9_000)}`,
      {},
      414,
      'The URL is longer than 8192 characters',
    ],
    [
      'headers over 10 KB',
      '/campaigns/demo',
      { headers: { 'x-big': 'a'.repeat(11_000) } },
      431,
      'The request headers are larger than 10240 bytes',
    ],
    [
      'a body over 10 MB',
      '/campaigns/demo',
      { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) },
      413,
      'The request body is larger than 10 MB',
    ],
    ['an unknown route', '/offline-404', {}, 404, 'No route matches this method and path'],
    ['a server error without a body it could show', '/plain-500', {}, 500, 'Request failed with status 500'],
  ])('answers %s with JSON and a message', async (_, path, options, status, message) => {
    expect(await call(path, options)).toEqual({ status, type: 'application/json', body: { message } });
  });

  it('answers a body over 10 MB sent with Node’s fetch with the JSON 413, declared or streamed', async () => {
    const big = new Uint8Array(11 * 1024 * 1024);
    // Declared: fetch sends the whole body before it reads the answer
    const declared = await fetch(`http://127.0.0.1:${front.port}/campaigns/demo`, {
      method: 'POST',
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ message: 'The request body is larger than 10 MB' });
    // Streamed, with no length given: refused once it passes the limit
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 11; i += 1) controller.enqueue(new Uint8Array(1024 * 1024));
        controller.close();
      },
    });
    const streamed = await fetch(`http://127.0.0.1:${front.port}/campaigns/demo`, {
      method: 'POST',
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual({ message: 'The request body is larger than 10 MB' });
  });

  it('passes a function’s own error answer on as it is, details and all', async () => {
    expect(await call('/refused')).toEqual({
      status: 400,
      type: 'application/json',
      body: { message: 'The request is not valid', details: ['missing field callerId'] },
    });
  });

  it('answers a request it cannot parse with JSON', async () => {
    // Act
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(front.port, '127.0.0.1', () => socket.write('NOT HTTP\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
    });

    // Assess
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('content-type: application/json');
    expect(answer.endsWith('{"message":"The request could not be read as HTTP"}')).toBe(true);
  });

  it('logs each request with anything number-like in its path masked', async () => {
    // Act
    await call('/blacklist/%2B12025550143');

    // Assess
    expect(lines.at(-1)).toMatchObject({ method: 'GET', path: '/blacklist/[redacted-number]', status: 200 });
    expect(loggablePath('/blacklist/%2B1%20202-555-0143?x=1')).toBe('/blacklist/[redacted-number]');
  });

  it('logs a path with line breaks on one line, its control characters escaped', async () => {
    // Act: a CR/LF, encoded in the URL, that would start a forged line of the log
    await call('/campaigns/x%0D%0A12:00:00%20http%20GET%20/admin%20200%201%20ms');

    // Assess
    const logged = lines.at(-1)?.path ?? '';
    expect(logged).toBe('/campaigns/x%0D%0A12:00:00 http GET /admin 200 1 ms');
    expect(logged).not.toMatch(/[\r\n]/);
  });
});

describe('the dashboard at the front door', () => {
  it('serves the page, its script and style, and the local token; everything else goes to the API', async () => {
    // Prepare: a built dashboard of three files, and a front door serving it before the API.
    const dir = await mkdtemp(join(tmpdir(), 'voice-campaign-web-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    await writeFile(join(dir, 'app.css'), 'body{}');
    const port = await freePort();
    const withPage = await startApiFront({
      port,
      upstreamPort: (upstream.address() as { port: number }).port,
      onRequest: () => {},
      page: { dir, localToken: async () => 'local-token' },
    });
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);

    try {
      // Act
      const page = await get('/');
      const script = await get('/app.js');
      const token = await get('/local/token');
      const api = await get('/campaigns');
      const outside = await get('/../package.json');
      const posted = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });

      // Assess: the page with its security headers; the token on loopback; the rest is the API's.
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await script.text()).toBe('console.log(1)');
      expect(await token.json()).toEqual({ token: 'local-token' });
      expect(await api.json()).toEqual({ received: 0 });
      expect(outside.headers.get('content-type')).toBe('application/json');
      expect(posted.headers.get('content-type')).toBe('application/json');
    } finally {
      await withPage.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
