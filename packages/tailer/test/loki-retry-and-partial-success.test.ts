// Our retry and 400-handling logic, exercised over HTTP by an in-process server that answers with
// scripted status codes (the real Loki is used by the integration tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uncompressSync } from 'snappy';
import { LokiSink } from '../src/sinks/loki.ts';
import { httpServer, makeRecords, testConfig, waitFor, workerFor } from './helpers.ts';

test('429 and 503 are retried with backoff until accepted; headers carry tenant and auth', async () => {
  const statuses = [429, 503];
  const seen: { status: number; headers: Record<string, unknown> }[] = [];
  const server = await httpServer((req, _body, res) => {
    const status = statuses.shift() ?? 204;
    seen.push({ status, headers: req.headers });
    res.writeHead(status).end(status === 204 ? '' : 'slow down');
  });
  const config = testConfig({ loki: { url: server.url, tenant: 'team-a', auth: { bearerToken: 'tok' } } });
  const { worker, acked, metrics } = workerFor(new LokiSink(config.sinks.loki!));
  worker.start();
  for (const r of makeRecords(3, config)) worker.push(r);
  await waitFor(() => acked.length === 3);
  await worker.stop(Date.now() + 1000);
  await server.close();
  assert.deepEqual(
    seen.map((s) => s.status),
    [429, 503, 204],
  );
  assert.equal(seen[0]!.headers['x-scope-orgid'], 'team-a');
  assert.equal(seen[0]!.headers.authorization, 'Bearer tok');
  assert.equal(seen[0]!.headers['content-type'], 'application/x-protobuf');
  assert.equal(metrics.retries.get({ sink: 'loki' }), 2);
  assert.equal(metrics.linesShipped.get({ sink: 'loki' }), 3);
});

test('a 400 is a partial success: bisected to find the rejected entries, which are dead-lettered, never retried blindly', async () => {
  let requests = 0;
  const server = await httpServer((_req, body, res) => {
    requests++;
    const text = (uncompressSync(body) as Buffer).toString('latin1');
    const bad = (text.match(/REJECT/g) ?? []).length;
    const total = (text.match(/"message":"line/g) ?? []).length;
    if (bad === 0) return res.writeHead(204).end();
    res.writeHead(400).end(`entry ignored, reason: 'line_too_long', total ignored: ${bad} out of ${total}`);
  });
  const config = testConfig({ loki: { url: server.url } });
  const records = makeRecords(8, config, (i) =>
    JSON.stringify({
      timestamp: `2026-01-01T00:00:0${i}Z`,
      message: `line ${i}${i === 2 || i === 5 ? ' REJECT' : ''}`,
    }),
  );
  const { worker, acked, metrics, deadLetters } = workerFor(new LokiSink(config.sinks.loki!));
  worker.start();
  for (const r of records) worker.push(r);
  await waitFor(() => acked.length === 8);
  await worker.stop(Date.now() + 1000);
  await server.close();
  const rejected = deadLetters();
  assert.deepEqual(rejected.map((d) => JSON.parse(d.line).message).sort(), [
    'line 2 REJECT',
    'line 5 REJECT',
  ]);
  assert.ok(rejected.every((d) => d.reason === 'line_too_long' && d.status === 400));
  assert.equal(metrics.linesShipped.get({ sink: 'loki' }), 6);
  assert.equal(metrics.linesDeadLettered.get({ sink: 'loki' }), 2);
  assert.equal(metrics.retries.get({ sink: 'loki' }), 0);
  assert.ok(requests <= 1 + 2 * 2 * 3, `bisection bounded (${requests} requests)`);
});

test('413 halves the batch until it fits; a single entry that never fits is set aside', async () => {
  const sizes: number[] = [];
  const server = await httpServer((_req, body, res) => {
    const text = (uncompressSync(body) as Buffer).toString('latin1');
    const count = (text.match(/"message"/g) ?? []).length;
    sizes.push(count);
    if (text.includes('HUGE') ? true : count > 2) return res.writeHead(413).end('too large');
    res.writeHead(204).end();
  });
  const config = testConfig({ loki: { url: server.url } });
  const records = makeRecords(5, config, (i) =>
    JSON.stringify({ timestamp: '2026-01-01T00:00:00Z', message: i === 4 ? 'HUGE' : `m${i}` }),
  );
  const { worker, acked, deadLetters } = workerFor(new LokiSink(config.sinks.loki!));
  worker.start();
  for (const r of records) worker.push(r);
  await waitFor(() => acked.length === 5);
  await worker.stop(Date.now() + 1000);
  await server.close();
  assert.equal(sizes[0], 5);
  assert.deepEqual(
    deadLetters().map((d) => d.status),
    [413],
  );
  assert.match(deadLetters()[0]!.line, /HUGE/);
});

test('past retry.maxElapsedMs app lines go to the dead-letter file while audit lines keep waiting', async () => {
  let up = false;
  const server = await httpServer((_req, _body, res) => res.writeHead(up ? 204 : 503).end());
  const config = testConfig({ loki: { url: server.url } });
  const app = makeRecords(2, config);
  const auditInput = { ...config.inputs[0]!, stream: 'audit' as const };
  const audit = makeRecords(1, config).map((r) => ({ ...r, input: auditInput, stream: 'audit' as const }));
  const { worker, acked, deadLetters } = workerFor(new LokiSink(config.sinks.loki!), {
    initialMs: 5,
    maxMs: 10,
    maxElapsedMs: 50,
  });
  worker.start();
  for (const r of [...app, ...audit]) worker.push(r);
  await waitFor(() => acked.length === 2);
  assert.deepEqual(
    deadLetters().map((d) => d.reason.startsWith('retry deadline exceeded')),
    [true, true],
  );
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(acked.length, 2, 'the audit line is still pending, not dropped');
  up = true;
  await waitFor(() => acked.length === 3);
  await worker.stop(Date.now() + 1000);
  await server.close();
  assert.equal(acked[2]!.stream, 'audit');
  assert.equal(deadLetters().length, 2);
});
