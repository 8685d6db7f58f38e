// Logs and health in real processes: trace ids in loggers the app creates itself, the rotated log
// file the tailer follows, app readiness checks, OTLP metric push, and export failures reported once.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getText, startApp } from './helpers/app-process.ts';
import { startOtlpReceiver } from './helpers/otlp-receiver.ts';

describe('logs and health', () => {
  it('injects the trace ids into winston and pino loggers the app creates itself', async () => {
    const receiver = await startOtlpReceiver();
    const app = await startApp({
      file: 'app-loggers.cjs',
      preload: '-r',
      env: { OTEL_SERVICE_NAME: 'loggers-svc', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    try {
      assert.equal((await getText(`http://127.0.0.1:${app.port}/log`)).status, 200);
      const spans = await receiver.waitForSpans((all) =>
        all.some((s) => s.attributes['url.path'] === '/log'),
      );
      const traceId = spans.find((s) => s.attributes['url.path'] === '/log')!.traceId;
      const records = app
        .stdoutLines()
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((r) => r.source === 'winston' || r.source === 'pino');
      assert.equal(records.length, 2, app.stdoutLines().join('\n'));
      for (const record of records) {
        assert.equal(record.trace_id, traceId, `${record.source} line carries the request trace_id`);
        assert.match(String(record.span_id), /^[0-9a-f]{16}$/);
        assert.equal(record['service.name'], 'loggers-svc');
      }
    } finally {
      app.kill();
      await app.exited();
      await receiver.close();
    }
  });

  it('writes JSON lines to TRACETAIL_LOG_FILE and rotates it by size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracetail-logs-'));
    const file = join(dir, 'app.log');
    const app = await startApp({
      file: 'app-loggers.cjs',
      preload: '-r',
      env: {
        TRACETAIL_LOG_FILE: file,
        TRACETAIL_LOG_FILE_MAX_SIZE: '8k',
        TRACETAIL_LOG_FILE_MAX_FILES: '3',
        TRACETAIL_LOG_STDOUT: 'false',
        OTEL_TRACES_EXPORTER: 'none',
      },
    });
    try {
      // Separate requests so the file transport gets to rotate between bursts.
      for (let i = 0; i < 6; i++) await getText(`http://127.0.0.1:${app.port}/spam?n=20`);
      const signalled = Date.now();
      app.kill('SIGTERM');
      assert.deepEqual(await app.exited(), { code: null, signal: 'SIGTERM' });
      assert.ok(Date.now() - signalled < 3000, 'the log flush does not wait for the deadline');
      // tailable rotation: app.log is the live file, app1.log the previous one, and so on. Right after
      // a rotation the live file exists only once the next line is written.
      const files = readdirSync(dir);
      assert.ok(
        files.every((name) => /^app\d*\.log$/.test(name)),
        files.join(', '),
      );
      assert.ok(
        files.length >= 2 && files.length <= 3,
        `rotated and bounded to 3 files: ${files.join(', ')}`,
      );
      const generation = (name: string): number => Number(/^app(\d*)\.log$/.exec(name)![1] || '0');
      const byAge = [...files].sort((x, y) => generation(y) - generation(x)); // oldest first
      let lines = 0;
      let previousTimestamp = '';
      for (const name of byAge) {
        const content = readFileSync(join(dir, name), 'utf8');
        // winston checks the size between writes, so a burst can overshoot; the bound is loose but real.
        assert.ok(content.length <= 3 * 8 * 1024, `${name} is ${content.length} bytes`);
        for (const line of content.split('\n').filter((l) => l !== '')) {
          const record = JSON.parse(line) as Record<string, unknown>;
          assert.equal(record.message, 'spam line');
          assert.match(String(record.timestamp), /Z$/);
          assert.ok(
            String(record.timestamp) >= previousTimestamp,
            `${name}: lines are in order across files`,
          );
          previousTimestamp = String(record.timestamp);
          lines++;
        }
      }
      assert.ok(lines > 0);
      assert.equal(app.stdoutLines().length, 0, 'TRACETAIL_LOG_STDOUT=false keeps stdout empty');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports not ready until the app readiness check passes', async () => {
    const app = await startApp({
      file: 'app-loggers.cjs',
      preload: '-r',
      env: { START_UNREADY: '1', OTEL_TRACES_EXPORTER: 'none' },
    });
    try {
      const before = await getText(`http://127.0.0.1:${app.metricsPort}/health/ready`);
      assert.equal(before.status, 503);
      assert.deepEqual(JSON.parse(before.body).checks, { 'warmed-up': 'failed' });
      assert.equal((await getText(`http://127.0.0.1:${app.metricsPort}/health/live`)).status, 200);
      await getText(`http://127.0.0.1:${app.port}/ready`);
      const after = await getText(`http://127.0.0.1:${app.metricsPort}/health/ready`);
      assert.equal(after.status, 200);
      assert.deepEqual(JSON.parse(after.body).checks, { 'warmed-up': 'ok' });
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('pushes metrics over OTLP when OTEL_METRICS_EXPORTER=prometheus,otlp', async () => {
    const receiver = await startOtlpReceiver();
    const app = await startApp({
      file: 'plain.cjs',
      preload: '-r',
      env: {
        OTEL_METRICS_EXPORTER: 'prometheus,otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '200',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      },
    });
    try {
      await getText(`http://127.0.0.1:${app.port}/`);
      const deadline = Date.now() + 10_000;
      while (!receiver.requests.some((r) => r.path === '/v1/metrics') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const push = receiver.requests.find((r) => r.path === '/v1/metrics');
      assert.ok(push, 'a metrics export reached /v1/metrics');
      assert.equal(push.contentType, 'application/x-protobuf');
      assert.equal(
        (await getText(`http://127.0.0.1:${app.metricsPort}/metrics`)).status,
        200,
        'scrape still works',
      );
    } finally {
      app.kill();
      await app.exited();
      await receiver.close();
    }
  });

  it('reports a failing Collector once, not once per batch', async () => {
    const app = await startApp({
      file: 'plain.cjs',
      preload: '-r',
      env: {
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_BSP_EXPORT_TIMEOUT: '300',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        TRACETAIL_SHUTDOWN_TIMEOUT: '500',
      },
    });
    try {
      for (let i = 0; i < 8; i++) {
        await getText(`http://127.0.0.1:${app.port}/r${i}`);
        await new Promise((r) => setTimeout(r, 120));
      }
      await new Promise((r) => setTimeout(r, 1000));
      const failures = app
        .stderr()
        .split('\n')
        .filter((line) => /export failed|ECONNREFUSED/i.test(line));
      assert.ok(failures.length >= 1, 'the failure is reported');
      assert.ok(failures.length <= 2, `at most one line per kind, got:\n${failures.join('\n')}`);
      assert.match(failures[0]!, /further reports of this kind are suppressed/);
      assert.equal((await getText(`http://127.0.0.1:${app.port}/alive`)).status, 200);
    } finally {
      app.kill();
      await app.exited();
    }
  });
});
