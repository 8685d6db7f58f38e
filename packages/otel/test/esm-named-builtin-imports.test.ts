// Regression: under `node --import @tracetail/otel/register`, an ES module app that imported
// `request` from 'node:http' (or `get` from 'node:https') by name made outgoing calls with no
// client span and no `traceparent`. The preload's own modules had created the built-ins' ES module
// facades before the http instrumentation patched the CommonJS exports, and the instrumentation
// patches a built-in only once, so the ESM named exports kept the unpatched functions.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AppProcess, getText, startApp } from './helpers/app-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from './helpers/otlp-receiver.ts';

const SERVER = 2;
const CLIENT = 3;

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function selfSignedCertificate(dir: string): { key: Buffer; cert: Buffer; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

describe('ESM named imports of node:http / node:https are instrumented under --import', () => {
  let receiver: OtlpReceiver;
  let downstream: AppProcess;
  let app: AppProcess;
  let secureServer: Server;
  let tmp: string;
  const secureTraceparents: (string | undefined)[] = [];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tracetail-esm-named-'));
    const { key, cert, certFile } = selfSignedCertificate(tmp);
    // The HTTPS side records the traceparent it receives: the propagation proof for `get`.
    secureServer = createServer({ key, cert }, (request, response) => {
      secureTraceparents.push(request.headers.traceparent as string | undefined);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"secure":true}');
    });
    secureServer.listen(0, '127.0.0.1');
    await once(secureServer, 'listening');
    const securePort = (secureServer.address() as AddressInfo).port;

    receiver = await startOtlpReceiver();
    downstream = await startApp({
      file: 'service.cjs',
      preload: '-r',
      env: { OTEL_SERVICE_NAME: 'downstream-svc', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    app = await startApp({
      file: 'esm-named-imports.mjs',
      preload: '--import',
      env: {
        OTEL_SERVICE_NAME: 'esm-named-svc',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        DOWNSTREAM_URL: `http://127.0.0.1:${downstream.port}`,
        HTTPS_DOWNSTREAM_URL: `https://127.0.0.1:${securePort}`,
        HTTPS_DOWNSTREAM_CA: certFile,
      },
    });
  });

  after(async () => {
    app?.kill();
    downstream?.kill();
    await Promise.all([app?.exited(), downstream?.exited()]);
    await receiver?.close();
    secureServer?.close();
    secureServer?.closeAllConnections();
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  });

  it('creates client spans for `request` and `get` and propagates traceparent to both services', async () => {
    const response = await getText(`http://127.0.0.1:${app.port}/chain/9`);
    assert.equal(response.status, 200, response.body);
    assert.deepEqual(JSON.parse(response.body), {
      id: '9',
      inventory: { item: '9', count: 3 },
      secure: { secure: true },
    });

    const spans = await receiver.waitForSpans(
      (all) =>
        all.some((s) => s.serviceName === 'esm-named-svc' && s.kind === SERVER) &&
        all.filter((s) => s.serviceName === 'esm-named-svc' && s.kind === CLIENT).length >= 2 &&
        all.some((s) => s.serviceName === 'downstream-svc' && s.kind === SERVER),
    );
    const server = spans.find((s) => s.serviceName === 'esm-named-svc' && s.kind === SERVER)!;
    const clients = spans.filter((s) => s.serviceName === 'esm-named-svc' && s.kind === CLIENT);
    const httpClient = clients.find((s) => String(s.attributes['url.full']).startsWith('http://'));
    const httpsClient = clients.find((s) => String(s.attributes['url.full']).startsWith('https://'));
    const downstreamServer = spans.find((s) => s.serviceName === 'downstream-svc' && s.kind === SERVER)!;

    assert.ok(httpClient, `client span for node:http request(); got ${JSON.stringify(clients)}`);
    assert.ok(httpsClient, `client span for node:https get(); got ${JSON.stringify(clients)}`);
    for (const client of [httpClient, httpsClient]) {
      assert.equal(client.traceId, server.traceId);
      assert.equal(client.parentSpanId, server.spanId, 'client span is a child of the server span');
      assert.equal(client.attributes['http.request.method'], 'GET');
      assert.equal(client.attributes['http.response.status_code'], 200);
    }
    assert.equal(downstreamServer.traceId, server.traceId, 'traceparent crossed to the http service');
    assert.equal(downstreamServer.parentSpanId, httpClient.spanId);

    assert.equal(secureTraceparents.length, 1);
    const [, traceId, parentId] =
      /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(secureTraceparents[0] ?? '') ?? [];
    assert.equal(traceId, server.traceId, 'traceparent crossed to the https service');
    assert.equal(parentId, httpsClient.spanId);
  });
});
