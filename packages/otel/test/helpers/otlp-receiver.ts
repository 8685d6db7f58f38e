// An OTLP/HTTP trace receiver for tests: it accepts what a real Collector accepts on /v1/traces
// (protobuf bodies, optionally gzip) and decodes them with the OTLP .proto definitions, so the
// assertions see exactly what was on the wire.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const root = protobuf.loadSync(resolve(import.meta.dirname, '../fixtures/proto/otlp-trace.proto'));
const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  serviceName: string;
  attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly requests: { path: string; contentType: string | undefined; headers: Record<string, unknown> }[];
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface DecodedKeyValue {
  key: string;
  value?: Record<string, unknown>;
}

function attributeValue(value: Record<string, unknown> | undefined): unknown {
  if (value === undefined) return undefined;
  for (const key of ['stringValue', 'boolValue', 'intValue', 'doubleValue']) {
    if (key in value) return key === 'intValue' ? Number(value[key]) : value[key];
  }
  return value;
}

function attributes(list: DecodedKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = attributeValue(kv.value);
  return out;
}

const hex = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString('hex');

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: OtlpReceiver['requests'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        headers: request.headers,
      });
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (request.url === '/v1/traces') {
        const decoded = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
          longs: String,
          bytes: Buffer,
        }) as {
          resourceSpans?: {
            resource?: { attributes?: DecodedKeyValue[] };
            scopeSpans?: { spans?: Record<string, unknown>[] }[];
          }[];
        };
        for (const resourceSpans of decoded.resourceSpans ?? []) {
          const resource = attributes(resourceSpans.resource?.attributes);
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              spans.push({
                traceId: hex(span.traceId as Uint8Array),
                spanId: hex(span.spanId as Uint8Array),
                parentSpanId: hex(span.parentSpanId as Uint8Array | undefined),
                name: String(span.name),
                kind: Number(span.kind ?? 0),
                serviceName: String(resource['service.name']),
                attributes: attributes(span.attributes as DecodedKeyValue[] | undefined),
              });
            }
          }
        }
      }
      // An empty ExportTraceServiceResponse is a zero-length protobuf message.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    async waitForSpans(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > deadline) {
          throw new Error(
            `spans not received in ${timeoutMs} ms; got: ${JSON.stringify(spans.map((s) => s.name))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return spans;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
