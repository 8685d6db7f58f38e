// Correlation ids and the audit log inside a real service started with the preload, alongside the
// OTel http/undici instrumentations: what the next service receives, what the spans, the log lines
// and the audit file say, and that batch-mode audit events survive process.exit() and SIGTERM.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashAuditEvent } from '../src/audit/canonical.ts';
import { type AppProcess, startApp } from './helpers/app-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from './helpers/otlp-receiver.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function readAudit(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitFor<T>(read: () => T, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('correlation ids with the preload (real service, real downstream)', () => {
  let receiver: OtlpReceiver;
  let downstream: Server;
  let app: AppProcess;
  let auditFile: string;
  const received: { url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    downstream = createServer((req, res) => {
      received.push({ url: req.url ?? '', headers: req.headers });
      res.end('ok');
    });
    downstream.listen(0, '127.0.0.1');
    await once(downstream, 'listening');
    auditFile = join(mkdtempSync(join(tmpdir(), 'tracetail-corr-')), 'audit.jsonl');
    app = await startApp({
      file: 'correlation-app.mjs',
      preload: '--import',
      env: {
        OTEL_SERVICE_NAME: 'correlation-app',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        DOWNSTREAM_URL: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`,
        TRACETAIL_AUDIT_FILE: auditFile,
        TRACETAIL_AUDIT_FLUSH_MS: '60000',
      },
    });
  });

  after(async () => {
    app?.kill('SIGKILL');
    downstream?.close();
    await receiver?.close();
  });

  it('continues a caller id: echoed, sent downstream with baggage, on the span, in the log line', async () => {
    received.length = 0;
    const response = await fetch(`http://127.0.0.1:${app.port}/orders`, {
      headers: { 'x-correlation-id': 'corr-e2e-1' },
    });
    assert.equal(await response.text(), 'corr-e2e-1');
    assert.equal(response.headers.get('x-correlation-id'), 'corr-e2e-1');

    assert.deepEqual(
      received.map((r) => r.url),
      ['/via-fetch', '/via-http'],
    );
    for (const { headers } of received) {
      assert.equal(headers['x-correlation-id'], 'corr-e2e-1');
      const baggage = [headers.baggage].flat().join(',');
      assert.match(baggage, /(^|,)\s*correlation_id=corr-e2e-1(\s*[,;]|$)/);
      assert.equal(baggage.match(/correlation_id=/g)?.length, 1, `baggage sent once: ${baggage}`);
      assert.match(
        String(headers.traceparent),
        /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/,
        JSON.stringify(received),
      );
    }

    const spans = await receiver.waitForSpans((all) =>
      all.some((s) => s.kind === 2 && s.attributes.correlation_id === 'corr-e2e-1'),
    );
    const serverSpan = spans.find((s) => s.kind === 2 && s.attributes.correlation_id === 'corr-e2e-1');
    assert.ok(serverSpan);
    assert.equal(serverSpan.attributes['url.path'], '/orders');

    const line = await waitFor(
      () => app.stdoutLines().find((l) => l.includes('"message":"handled"') && l.includes('corr-e2e-1')),
      (value) => value !== undefined,
      'the log line',
    );
    const record = JSON.parse(line ?? '{}') as Record<string, unknown>;
    assert.equal(record.correlation_id, 'corr-e2e-1');
    assert.equal(record.trace_id, serverSpan.traceId);
  });

  it('sends one correlation_id downstream even when the caller baggage disagrees', async () => {
    received.length = 0;
    const response = await fetch(`http://127.0.0.1:${app.port}/orders`, {
      headers: { 'x-correlation-id': 'corr-e2e-2', baggage: 'correlation_id=something-else,tenant=t1' },
    });
    assert.equal(await response.text(), 'corr-e2e-2');
    for (const { headers } of received) {
      const baggage = [headers.baggage].flat().join(',');
      assert.equal(baggage.match(/correlation_id=/g)?.length, 1, baggage);
      assert.match(baggage, /correlation_id=corr-e2e-2/);
      assert.match(baggage, /tenant=t1/);
    }
  });

  it('replaces a malformed id and keeps the escaped original on the span', async () => {
    const response = await fetch(`http://127.0.0.1:${app.port}/bad`, {
      headers: { 'x-correlation-id': 'not ok"<script>' },
    });
    const generated = await response.text();
    assert.match(generated, UUID_V7);
    assert.equal(response.headers.get('x-correlation-id'), generated);
    const spans = await receiver.waitForSpans((all) =>
      all.some((s) => s.attributes.correlation_id === generated),
    );
    const span = spans.find((s) => s.kind === 2 && s.attributes.correlation_id === generated);
    assert.equal(span?.attributes.correlation_id_rejected, 'not ok\\x22<script>');
  });

  it('writes batch-mode audit events with correlation and trace ids, redacted, flushed on SIGTERM', async () => {
    assert.deepEqual(readAudit(auditFile), [], 'batch mode has not flushed yet (60 s period)');
    app.kill('SIGTERM');
    const exit = await app.exited();
    assert.equal(exit.signal, 'SIGTERM', 'the preload keeps the signal exit');
    const events = readAudit(auditFile);
    assert.equal(events.length, 3);
    const [first] = events;
    assert.equal(first?.correlation_id, 'corr-e2e-1');
    assert.equal(first?.['service.name'], 'correlation-app');
    assert.match(String(first?.trace_id), /^[0-9a-f]{32}$/);
    assert.deepEqual(first?.details, { password: '[REDACTED]', bytes: 10 });
  });
});

describe('TRACETAIL_CORRELATION_TRUST_INCOMING=false', () => {
  it('generates an id for every request and keeps the caller value aside', async () => {
    const receiver = await startOtlpReceiver();
    const app = await startApp({
      file: 'correlation-app.mjs',
      preload: '--import',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        TRACETAIL_CORRELATION_TRUST_INCOMING: 'false',
        TRACETAIL_AUDIT_ENABLED: 'false',
      },
    });
    try {
      // No DOWNSTREAM_URL: the handler fails (500) after the span started, which is all this needs.
      const response = await fetch(`http://127.0.0.1:${app.port}/untrusted`, {
        headers: { 'x-correlation-id': 'well-formed-but-untrusted' },
      });
      await response.text();
      const id = response.headers.get('x-correlation-id') ?? '';
      assert.match(id, UUID_V7);
      const spans = await receiver.waitForSpans((all) => all.some((s) => s.attributes.correlation_id === id));
      const span = spans.find((s) => s.attributes.correlation_id === id);
      assert.equal(span?.attributes.correlation_id_rejected, 'well-formed-but-untrusted');
    } finally {
      app.kill('SIGKILL');
      await receiver.close();
    }
  });
});

describe('audit events survive process.exit() in batch mode (with the preload)', () => {
  it('writes the event recorded just before exit', async () => {
    const auditFile = join(mkdtempSync(join(tmpdir(), 'tracetail-exit-')), 'audit.jsonl');
    const app = await startApp({
      file: 'correlation-app.mjs',
      preload: '--import',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        TRACETAIL_AUDIT_FILE: auditFile,
        TRACETAIL_AUDIT_FLUSH_MS: '60000',
      },
    });
    const response = await fetch(`http://127.0.0.1:${app.port}/exit`, {
      headers: { 'x-correlation-id': 'exit-1' },
    });
    assert.equal(await response.text(), 'bye');
    const exit = await app.exited();
    assert.equal(exit.code, 0);
    const events = readAudit(auditFile);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.resource, 'exit-path');
    assert.equal(events[0]?.correlation_id, 'exit-1');
    assert.equal(events[0]?.hash_alg, undefined, 'unkeyed without TRACETAIL_AUDIT_HMAC_KEY_FILE');
  });

  it('keys the chain with TRACETAIL_AUDIT_HMAC_KEY_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracetail-hmac-'));
    const auditFile = join(dir, 'audit.jsonl');
    writeFileSync(join(dir, 'key'), 'an-audit-key-of-at-least-32-bytes!!\n');
    const app = await startApp({
      file: 'correlation-app.mjs',
      preload: '--import',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        TRACETAIL_AUDIT_FILE: auditFile,
        TRACETAIL_AUDIT_HMAC_KEY_FILE: join(dir, 'key'),
      },
    });
    await (await fetch(`http://127.0.0.1:${app.port}/exit`)).text();
    await app.exited();
    const [event] = readAudit(auditFile);
    assert.equal(event?.hash_alg, 'hmac-sha256');
    const { hash, ...rest } = event ?? {};
    assert.notEqual(hash, hashAuditEvent(rest), 'not a plain SHA-256');
    assert.equal(hash, hashAuditEvent(rest, Buffer.from('an-audit-key-of-at-least-32-bytes!!')));
  });
});
