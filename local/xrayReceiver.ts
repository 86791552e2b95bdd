/**
 * A local stand-in for the X-Ray daemon: receives the segment documents the X-Ray SDK sends over UDP and keeps them
 * (in memory, and appended to an NDJSON file when one is given).
 */

import { createSocket } from 'node:dgram';
import { appendFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The fields of an X-Ray segment or subsegment document that tests and viewers read. */
export interface XrayDocument {
  id: string;
  name: string;
  trace_id: string;
  parent_id?: string;
  type?: string;
  namespace?: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  error?: boolean;
  fault?: boolean;
  throttle?: boolean;
  annotations?: Record<string, string | number | boolean>;
  metadata?: Record<string, Record<string, unknown>>;
  cause?: { exceptions?: Array<{ message?: string; type?: string }> };
  sql?: Record<string, unknown>;
  aws?: Record<string, unknown>;
  http?: Record<string, unknown>;
  subsegments?: XrayDocument[];
}

export interface XrayReceiver {
  /** `host:port`, the value for AWS_XRAY_DAEMON_ADDRESS. */
  address: string;
  /** Datagrams and bytes received since the receiver started (clear() leaves them). */
  stats(): { datagrams: number; bytes: number };
  /** Every document received so far, nested subsegments flattened out (with their parent_id set). */
  documents(): XrayDocument[];
  /** Waits until `predicate` holds for the documents received (or throws after `timeoutMs`). */
  waitFor(predicate: (docs: XrayDocument[]) => boolean, timeoutMs?: number): Promise<XrayDocument[]>;
  clear(): void;
  stop(): Promise<void>;
}

function flatten(doc: XrayDocument, traceId: string, out: XrayDocument[]): void {
  const { subsegments, ...rest } = doc;
  out.push({ ...rest, trace_id: doc.trace_id ?? traceId });
  for (const child of subsegments ?? [])
    flatten({ ...child, parent_id: doc.id }, doc.trace_id ?? traceId, out);
}

export async function startXrayReceiver(
  options: { port?: number; file?: string } = {},
): Promise<XrayReceiver> {
  const socket = createSocket('udp4');
  let docs: XrayDocument[] = [];
  // Datagrams not read yet: they are parsed when the documents are asked for, not as they arrive, so the stand-in
  // costs the process it shares with the functions (tests, benchmarks) next to nothing per datagram, as the daemon,
  // a process of its own, would. With a file to append to, each is parsed (and written) as it arrives.
  let unread: Buffer[] = [];
  let pending = Promise.resolve();
  const stats = { datagrams: 0, bytes: 0 };
  const read = () => {
    for (const message of unread) {
      // Daemon protocol: a JSON header line, then the document.
      const text = message.toString('utf8');
      const body = text.slice(text.indexOf('\n') + 1);
      try {
        const doc = JSON.parse(body) as XrayDocument;
        flatten(doc, doc.trace_id, docs);
        const file = options.file;
        if (file) pending = pending.then(() => appendFile(file, `${body.trim()}\n`)).catch(() => {});
      } catch {
        // Not a segment document: ignore it, as the daemon would.
      }
    }
    unread = [];
    return docs;
  };
  socket.on('message', (message) => {
    stats.datagrams += 1;
    stats.bytes += message.length;
    unread.push(message);
    if (options.file) read();
  });
  await new Promise<void>((resolve) => socket.bind(options.port ?? 0, '127.0.0.1', resolve));
  // A burst of documents (a batch's, or a tree split into many) must not overflow the socket's buffer: a datagram
  // lost here would look like one never sent.
  socket.setRecvBufferSize(16 * 1024 * 1024);
  const { port } = socket.address();

  return {
    address: `127.0.0.1:${port}`,
    stats: () => ({ ...stats }),
    documents: () => [...read()],
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(read())) {
        if (Date.now() > deadline) throw new Error(`X-Ray documents not as expected after ${timeoutMs} ms`);
        await sleep(20);
      }
      return [...docs];
    },
    clear: () => {
      unread = [];
      docs = [];
    },
    async stop() {
      await pending;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
