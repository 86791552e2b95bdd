/**
 * The X-Ray daemon's side of both backends: where it listens and how a segment document reaches it (one UDP datagram
 * each, behind the daemon's header line).
 */
import { createSocket, type Socket } from 'node:dgram';

/** A document goes out in one datagram; the daemon takes up to 64 KiB, headers and all. */
export const MAX_DOCUMENT_BYTES = 62 * 1024;
const DAEMON_HEADER = '{"format": "json", "version": 1}\n';

/** Where the daemon listens: AWS_XRAY_DAEMON_ADDRESS is `host:port` or `tcp:host:port udp:host:port`. */
export function daemonEndpoint(address: string): { host: string; port: number } {
  const udp = address.split(/\s+/).find((part) => part.startsWith('udp:')) ?? address;
  const hostPort = udp.replace(/^udp:/, '');
  const at = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, at) || '127.0.0.1', port: Number(hostPort.slice(at + 1)) || 2000 };
}

/** Sends documents to the daemon: never throws, never waits; the first failure is written once to the log. */
export class DaemonSender {
  #socket: Socket | undefined;
  #warned = false;
  readonly #address: () => string;

  constructor(address: () => string) {
    this.#address = address;
  }

  #warn(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(JSON.stringify({ level: 'WARN', message: 'X-Ray documents could not be sent', reason }));
  }

  send(docs: readonly string[]): void {
    try {
      const { host, port } = daemonEndpoint(this.#address());
      if (this.#socket === undefined) {
        this.#socket = createSocket('udp4');
        this.#socket.on('error', (error) => this.#warn(error));
        // A pending send must not keep a process (a test run, a local tool) alive.
        this.#socket.unref();
      }
      for (const doc of docs) {
        this.#socket.send(`${DAEMON_HEADER}${doc}`, port, host, (error) => {
          if (error) this.#warn(error);
        });
      }
    } catch (error) {
      this.#warn(error);
    }
  }
}
