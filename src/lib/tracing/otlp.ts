/**
 * The OpenTelemetry backend's other way out: an invocation's spans sent as OTLP over HTTP (protobuf, or JSON) to an
 * OpenTelemetry collector or to X-Ray's OTLP endpoint (`https://xray.<region>.amazonaws.com/v1/traces`, Transaction
 * Search on), each request then signed with SigV4 for `xray` with the function's credentials (docs/tracing.md).
 *
 * Hand-written around OpenTelemetry's own serializer (@opentelemetry/otlp-transformer) rather than its HTTP exporter
 * (@opentelemetry/exporter-trace-otlp-http): that exporter cannot sign a request (the signature covers the body and
 * the time), and it sends through fetch, which this project traces (each export would trace itself); here the request
 * goes through node:http(s), which is not traced. The signing code and the serializer are loaded on the first export,
 * so a function that sends to the daemon never loads them.
 *
 * Lambda freezes the process once the handler returns: the invocation awaits its spans' export (`flush`) before it
 * returns. An export that fails is written to the log once, never thrown: tracing never fails an invocation.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Attributes } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { OtlpTarget } from '../config.ts';
import { ATTR } from './xrayDocuments.ts';

/** How long an export may take before it is given up: it holds the invocation's end. */
const EXPORT_TIMEOUT_MS = 3_000;

/**
 * A span's attributes as X-Ray's OTLP ingestion reads them: the annotations under their own keys, listed in
 * `aws.xray.annotations` (the rest of the attributes become the span's metadata there).
 */
export function otlpAttributes(attributes: Attributes): Attributes {
  const out: Attributes = {};
  const annotations: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith(ATTR.annotation)) {
      const name = key.slice(ATTR.annotation.length);
      out[name] = value;
      annotations.push(name);
    } else out[key] = value;
  }
  if (annotations.length > 0) out['aws.xray.annotations'] = annotations;
  return out;
}

/** The provider's resource with the service and where it runs, made once per resource (the request groups by it). */
const resources = new WeakMap<Resource, Resource>();
function resourceOf(span: ReadableSpan, serviceName: string): Resource {
  let resource = resources.get(span.resource);
  if (resource === undefined) {
    resource = span.resource.merge(
      resourceFromAttributes({
        'service.name': serviceName,
        'cloud.provider': 'aws',
        'cloud.platform': 'aws_lambda',
      }),
    );
    resources.set(span.resource, resource);
  }
  return resource;
}

/** The span as sent: the same span, its attributes in X-Ray's OTLP shape, its resource naming the service. */
const asSent = (span: ReadableSpan, serviceName: string): ReadableSpan =>
  Object.create(span, {
    attributes: { value: otlpAttributes(span.attributes), enumerable: true },
    resource: { value: resourceOf(span, serviceName), enumerable: true },
  });

async function body(
  spans: readonly ReadableSpan[],
  { protocol, serviceName }: OtlpTarget,
): Promise<Uint8Array> {
  const { JsonTraceSerializer, ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
  const serializer = protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer;
  return serializer.serializeRequest(spans.map((span) => asSent(span, serviceName))) ?? new Uint8Array();
}

interface SignableRequest {
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array;
}

const signers = new Map<string, Promise<(request: SignableRequest) => Promise<Record<string, string>>>>();

/** A SigV4 signer for X-Ray in `region`, with the credentials of the function's role (its environment in Lambda). */
function signerFor(region: string) {
  let signer = signers.get(region);
  if (signer === undefined) {
    signer = (async () => {
      const [{ SignatureV4 }, { Hash }, { defaultProvider }] = await Promise.all([
        import('@smithy/signature-v4'),
        import('@smithy/hash-node'),
        import('@aws-sdk/credential-provider-node'),
      ]);
      const sigv4 = new SignatureV4({
        service: 'xray',
        region,
        credentials: defaultProvider(),
        sha256: Hash.bind(null, 'sha256'),
      });
      return async ({ url, headers, body: payload }: SignableRequest) => {
        const signed = await sigv4.sign({
          method: 'POST',
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          body: payload,
        });
        return signed.headers;
      };
    })();
    signers.set(region, signer);
  }
  return signer;
}

function post(url: URL, headers: Record<string, string>, payload: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers, timeout: EXPORT_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`The OTLP endpoint answered ${status}`));
      });
    });
    req.on('timeout', () =>
      req.destroy(new Error(`No answer from the OTLP endpoint in ${EXPORT_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends spans to the OTLP endpoint: never throws, never waits; `flush` waits for what is on its way. */
export class OtlpSender {
  readonly #pending = new Set<Promise<void>>();
  #warned = false;

  #warn(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(
      JSON.stringify({ level: 'WARN', message: 'Spans could not be sent to the OTLP endpoint', reason }),
    );
  }

  send(spans: readonly ReadableSpan[], target: OtlpTarget): void {
    const sending: Promise<void> = this.#export(spans, target)
      .catch((error: unknown) => this.#warn(error))
      .finally(() => this.#pending.delete(sending));
    this.#pending.add(sending);
  }

  async #export(spans: readonly ReadableSpan[], target: OtlpTarget) {
    const { endpoint, protocol, signingRegion } = target;
    const payload = await body(spans, target);
    const unsigned = {
      host: endpoint.host,
      'content-type': protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      'content-length': String(payload.byteLength),
    };
    const headers =
      signingRegion === undefined
        ? unsigned
        : await (await signerFor(signingRegion))({ url: endpoint, headers: unsigned, body: payload });
    await post(endpoint, headers, payload);
  }

  /** Waits for every export on its way (each ends within the export timeout). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}
