/**
 * A fault-injecting HTTP proxy in front of a local AWS service (the SQS and DynamoDB emulators speak AWS's JSON
 * protocol): every request passes through unchanged unless the current rule, given its operation
 * (`X-Amz-Target`, e.g. `AmazonSQS.SendMessageBatch`) and parsed body, answers it with a fault: an error answer of the
 * service's own shape (throttling, unavailable), a cut connection, or a partial success (some entries of a batch
 * forwarded, the others answered as failed or unprocessed, as the service itself does under load).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Answered by the proxy: the service's error of this status and type. */
  | { kind: 'error'; status: number; type: string; message: string }
  /** The connection closed without an answer. */
  | { kind: 'cut' }
  /**
   * Forwarded with `request` changed; the service's answer changed by `response` (given the original request).
   */
  | {
      kind: 'partial';
      request: (body: Record<string, unknown>) => Record<string, unknown>;
      response: (
        answer: Record<string, unknown>,
        original: Record<string, unknown>,
      ) => Record<string, unknown>;
    };

export type FaultRule = (operation: string, body: Record<string, unknown>) => Fault | undefined;

export interface FaultProxy {
  endpoint: string;
  /** Sets the rule (undefined: no faults); answers how many requests the previous rule faulted. */
  inject(rule: FaultRule | undefined): number;
  /** Requests faulted by the current rule so far. */
  injected(): number;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'fault-proxy',
  });
  res.end(text);
}

function forward(
  req: IncomingMessage,
  body: Buffer,
  target: URL,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
      },
      async (answer) => {
        resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: await readBody(answer) });
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

export async function startFaultProxy(targetEndpoint: string): Promise<FaultProxy> {
  const target = new URL(targetEndpoint);
  let rule: FaultRule | undefined;
  let count = 0;
  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const operation = String(req.headers['x-amz-target'] ?? '');
      let parsed: Record<string, unknown> = {};
      try {
        parsed = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        // Not JSON (a query-protocol request): passed through.
      }
      const fault = rule?.(operation, parsed);
      if (fault !== undefined) count += 1;
      if (fault?.kind === 'cut') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'error') {
        send(res, fault.status, { __type: fault.type, message: fault.message });
        return;
      }
      const body = fault?.kind === 'partial' ? Buffer.from(JSON.stringify(fault.request(parsed))) : raw;
      const answer = await forward(req, body, target);
      if (fault?.kind === 'partial' && answer.status === 200) {
        send(res, 200, fault.response(JSON.parse(answer.body.toString('utf8')), parsed));
        return;
      }
      const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
      delete headers['transfer-encoding'];
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    } catch {
      if (!res.headersSent)
        send(res, 502, { __type: 'ProxyError', message: 'the service could not be reached' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject(next) {
      const previous = count;
      rule = next;
      count = 0;
      return previous;
    },
    injected: () => count,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
