// The preload in real processes: a CommonJS service under `node -r` and an ES module service under
// `node --import`, calling each other, exporting to an OTLP/HTTP receiver that decodes the protobuf.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeRuntimes } from '../../stack/src/index.ts';
import { type AppProcess, getText, startApp } from './helpers/app-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { parsePrometheusText } from './helpers/prometheus-text.ts';

const SERVER = 2;
const CLIENT = 3;

// Everything below runs on the current Node and again on the oldest one engines.node accepts.
for (const runtime of await nodeRuntimes(resolve(import.meta.dirname, '../package.json')))
  describe(`preload with two services (CommonJS via -r, ESM via --import) on ${runtime.label}`, () => {
    let receiver: OtlpReceiver;
    let cjs: AppProcess;
    let esm: AppProcess;

    before(async () => {
      receiver = await startOtlpReceiver();
      cjs = await startApp({
        file: 'service.cjs',
        preload: '-r',
        nodeBinary: runtime.binary,
        env: { OTEL_SERVICE_NAME: 'cjs-svc', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      });
      esm = await startApp({
        file: 'service.mjs',
        preload: '--import',
        nodeBinary: runtime.binary,
        env: {
          OTEL_SERVICE_NAME: 'esm-svc',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          DOWNSTREAM_URL: `http://127.0.0.1:${cjs.port}`,
        },
      });
    });

    after(async () => {
      cjs?.kill();
      esm?.kill();
      await Promise.all([cjs?.exited(), esm?.exited()]);
      await receiver?.close();
    });

    it('exports spans over OTLP/HTTP protobuf with parent/child links across both services', async () => {
      const response = await getText(`http://127.0.0.1:${esm.port}/users/7`);
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { id: '7', inventory: { item: '7', count: 3 } });

      const spans = await receiver.waitForSpans(
        (all) =>
          all.some((s) => s.serviceName === 'esm-svc' && s.kind === SERVER) &&
          all.some((s) => s.serviceName === 'esm-svc' && s.kind === CLIENT) &&
          all.some((s) => s.serviceName === 'cjs-svc' && s.kind === SERVER),
      );
      const esmServer = spans.find((s) => s.serviceName === 'esm-svc' && s.kind === SERVER)!;
      const esmClient = spans.find((s) => s.serviceName === 'esm-svc' && s.kind === CLIENT)!;
      const cjsServer = spans.find((s) => s.serviceName === 'cjs-svc' && s.kind === SERVER)!;

      assert.equal(esmServer.parentSpanId, '', 'the entry span is a root span');
      assert.equal(esmClient.traceId, esmServer.traceId);
      assert.equal(
        esmClient.parentSpanId,
        esmServer.spanId,
        'fetch() span is a child of the ESM server span',
      );
      assert.equal(cjsServer.traceId, esmServer.traceId, 'traceparent crossed the process boundary');
      assert.equal(
        cjsServer.parentSpanId,
        esmClient.spanId,
        'downstream server span is a child of the client span',
      );
      assert.equal(cjsServer.attributes['http.route'], '/inventory/:id');
      assert.match(String(esmServer.traceId), /^[0-9a-f]{32}$/);

      const traceRequest = receiver.requests.find((r) => r.path === '/v1/traces');
      assert.equal(traceRequest?.contentType, 'application/x-protobuf');
    });

    it('puts the request trace_id on every log line written inside the request', async () => {
      await getText(`http://127.0.0.1:${cjs.port}/users/42`);
      const spans = await receiver.waitForSpans((all) =>
        all.some((s) => s.serviceName === 'cjs-svc' && s.attributes['http.route'] === '/users/:id'),
      );
      const server = spans.find(
        (s) => s.serviceName === 'cjs-svc' && s.attributes['http.route'] === '/users/:id',
      )!;
      const lines = cjs
        .stdoutLines()
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((record) => record.user_id === '42');
      assert.equal(lines.length, 2, 'both log calls of the request were written');
      for (const record of lines) {
        assert.equal(record.trace_id, server.traceId);
        assert.match(String(record.span_id), /^[0-9a-f]{16}$/);
        assert.equal(record.trace_flags, '01');
        assert.equal(record['service.name'], 'cjs-svc');
        assert.equal(record.level, 'info');
        assert.match(String(record.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      assert.deepEqual(Object.keys(lines[0]!).slice(0, 7), [
        'timestamp',
        'level',
        'message',
        'service.name',
        'trace_id',
        'span_id',
        'trace_flags',
      ]);
    });

    it('serves the HTTP duration histogram with http_route, runtime metrics and custom metrics on /metrics', async () => {
      await getText(`http://127.0.0.1:${cjs.port}/users/9`);
      const { status, body } = await getText(`http://127.0.0.1:${cjs.metricsPort}/metrics`);
      assert.equal(status, 200);
      const samples = parsePrometheusText(body);
      const count = samples.find(
        (s) =>
          s.name === 'http_server_request_duration_seconds_count' && s.labels.http_route === '/users/:id',
      );
      assert.ok(count, 'histogram count with http_route="/users/:id"');
      assert.ok(count.value >= 1);
      assert.equal(count.labels.http_request_method, 'GET');
      assert.equal(count.labels.http_response_status_code, '200');
      const buckets = samples
        .filter(
          (s) =>
            s.name === 'http_server_request_duration_seconds_bucket' && s.labels.http_route === '/users/:id',
        )
        .map((s) => s.labels.le);
      assert.deepEqual(buckets, [
        '0.005',
        '0.01',
        '0.025',
        '0.05',
        '0.075',
        '0.1',
        '0.25',
        '0.5',
        '0.75',
        '1',
        '2.5',
        '5',
        '7.5',
        '10',
        '+Inf',
      ]);
      const names = new Set(samples.map((s) => s.name));
      for (const name of [
        'nodejs_eventloop_utilization_ratio',
        'v8js_memory_heap_used_bytes',
        'process_cpu_time_seconds_total',
        'process_memory_usage_bytes',
        'fixture_lookups_total',
        'fixture_lookup_duration_seconds_count',
        'fixture_requests_in_flight',
      ]) {
        assert.ok(names.has(name), `${name} is exposed`);
      }
      // Scrapes of our own server are not measured as app traffic.
      assert.ok(!samples.some((s) => s.labels.http_route === '/metrics'));
    });

    it('measures the ESM service too: server histogram via the ESM hook, fetch() client histogram', async () => {
      await getText(`http://127.0.0.1:${esm.port}/users/8`);
      const samples = parsePrometheusText(
        (await getText(`http://127.0.0.1:${esm.metricsPort}/metrics`)).body,
      );
      const server = samples.find((s) => s.name === 'http_server_request_duration_seconds_count');
      const client = samples.find((s) => s.name === 'http_client_request_duration_seconds_count');
      assert.ok(server && server.value >= 1, 'server requests of the ES module service are measured');
      assert.ok(client && client.value >= 1, 'outgoing fetch() calls are measured');
    });

    it('keeps the command line out of target_info', async () => {
      const { body } = await getText(`http://127.0.0.1:${cjs.metricsPort}/metrics`);
      const target = parsePrometheusText(body).find((s) => s.name === 'target_info');
      assert.ok(target);
      assert.equal(target.labels.service_name, 'cjs-svc');
      for (const label of [
        'process_command',
        'process_command_args',
        'process_command_line',
        'process_executable_path',
      ]) {
        assert.equal(target.labels[label], undefined, `${label} must not be published`);
      }
      assert.ok(!body.includes('service.cjs'), 'the script path appears nowhere on /metrics');
    });

    it('answers /health/live and /health/ready', async () => {
      const live = await getText(`http://127.0.0.1:${cjs.metricsPort}/health/live`);
      assert.equal(live.status, 200);
      assert.deepEqual(JSON.parse(live.body), { status: 'ok' });
      const ready = await getText(`http://127.0.0.1:${esm.metricsPort}/health/ready`);
      assert.equal(ready.status, 200);
      assert.equal(JSON.parse(ready.body).sdk, 'running');
      const missing = await getText(`http://127.0.0.1:${cjs.metricsPort}/nope`);
      assert.equal(missing.status, 404);
    });

    it('never lets secrets reach log lines or span attributes', async () => {
      const response = await getText(`http://127.0.0.1:${cjs.port}/users/55?token=abc123secret&page=2`, {
        authorization: 'Bearer s3cr3t-bearer',
        cookie: 'session=c00kie-value',
      });
      assert.equal(response.status, 200);
      const spans = await receiver.waitForSpans((all) =>
        all.some(
          (s) => s.serviceName === 'cjs-svc' && String(s.attributes['url.query'] ?? '').includes('page=2'),
        ),
      );
      const dump = JSON.stringify(spans);
      for (const secret of ['s3cr3t-bearer', 'c00kie-value', 'abc123secret']) {
        assert.ok(!dump.includes(secret), `${secret} must not be in span attributes`);
      }
      const span = spans.find((s) => String(s.attributes['url.query'] ?? '').includes('page=2'))!;
      assert.match(
        String(span.attributes['url.query']),
        /token=REDACTED|token=%5BREDACTED%5D|token=\[REDACTED\]/,
      );

      const stdout = cjs.stdoutLines().join('\n');
      assert.ok(!stdout.includes('hunter2'), 'password field redacted in logs');
      assert.ok(!stdout.includes('k-123'), 'nested api_key redacted in logs');
      const record = cjs
        .stdoutLines()
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((r) => r.user_id === '55' && r.message === 'user lookup')!;
      assert.equal(record.password, '[REDACTED]');
      assert.deepEqual(record.nested, { api_key: '[REDACTED]' });
    });
  });
