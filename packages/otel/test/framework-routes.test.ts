// http.route for the web frameworks beyond express: fastify (through its diagnostics_channel
// events, fastify-route.ts) and koa with @koa/router (instrumentation-koa). Real apps in child
// processes with the preload; the route must be on the server span, in its name, and on the
// http_server_request_duration_seconds series of /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AppProcess, getText, startApp } from './helpers/app-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { parsePrometheusText } from './helpers/prometheus-text.ts';

const SERVER = 2;

async function routeSeries(app: AppProcess): Promise<string[]> {
  const { body } = await getText(`http://127.0.0.1:${app.metricsPort}/metrics`);
  return parsePrometheusText(body)
    .filter((s) => s.name === 'http_server_request_duration_seconds_count')
    .map((s) => s.labels.http_route ?? '(none)');
}

describe('http.route for fastify and koa', () => {
  let receiver: OtlpReceiver;
  let fastify: AppProcess;
  let koa: AppProcess;

  before(async () => {
    receiver = await startOtlpReceiver();
    fastify = await startApp({
      file: 'fastify-app.mjs',
      preload: '--import',
      env: { OTEL_SERVICE_NAME: 'fastify-svc', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    koa = await startApp({
      file: 'koa-app.cjs',
      preload: '-r',
      env: { OTEL_SERVICE_NAME: 'koa-svc', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
  });

  after(async () => {
    fastify?.kill();
    koa?.kill();
    await Promise.all([fastify?.exited(), koa?.exited()]);
    await receiver?.close();
  });

  it('fastify: route (also under a plugin prefix) on the server span and the duration histogram', async () => {
    assert.equal((await getText(`http://127.0.0.1:${fastify.port}/users/7`)).status, 200);
    assert.equal((await getText(`http://127.0.0.1:${fastify.port}/api/orders/12`)).status, 200);
    assert.equal((await getText(`http://127.0.0.1:${fastify.port}/nowhere`)).status, 404);

    const spans = await receiver.waitForSpans(
      (all) => all.filter((s) => s.serviceName === 'fastify-svc' && s.kind === SERVER).length >= 3,
    );
    const server = spans.filter((s) => s.serviceName === 'fastify-svc' && s.kind === SERVER);
    const byTarget = (target: string) => server.find((s) => s.attributes['url.path'] === target);
    assert.equal(byTarget('/users/7')?.attributes['http.route'], '/users/:id');
    assert.equal(byTarget('/users/7')?.name, 'GET /users/:id');
    assert.equal(byTarget('/api/orders/12')?.attributes['http.route'], '/api/orders/:orderId');
    // An unmatched path must not get a made-up route (that would hide 404 scans in one series).
    assert.equal(byTarget('/nowhere')?.attributes['http.route'], undefined);

    const routes = await routeSeries(fastify);
    assert.ok(routes.includes('/users/:id'), `http_route series: ${routes.join(', ')}`);
    assert.ok(routes.includes('/api/orders/:orderId'), `http_route series: ${routes.join(', ')}`);
  });

  it('koa with @koa/router: route on the server span and the duration histogram', async () => {
    assert.equal((await getText(`http://127.0.0.1:${koa.port}/users/5`)).status, 200);
    const spans = await receiver.waitForSpans((all) =>
      all.some((s) => s.serviceName === 'koa-svc' && s.kind === SERVER),
    );
    const server = spans.find((s) => s.serviceName === 'koa-svc' && s.kind === SERVER)!;
    assert.equal(server.attributes['http.route'], '/users/:id');
    assert.equal(server.name, 'GET /users/:id');
    const routes = await routeSeries(koa);
    assert.ok(routes.includes('/users/:id'), `http_route series: ${routes.join(', ')}`);
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=fastify turns the route off', async () => {
    const plain = await startApp({
      file: 'fastify-app.mjs',
      preload: '--import',
      env: {
        OTEL_SERVICE_NAME: 'fastify-off-svc',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fastify',
      },
    });
    try {
      assert.equal((await getText(`http://127.0.0.1:${plain.port}/users/8`)).status, 200);
      const spans = await receiver.waitForSpans((all) =>
        all.some((s) => s.serviceName === 'fastify-off-svc' && s.kind === SERVER),
      );
      const server = spans.find((s) => s.serviceName === 'fastify-off-svc' && s.kind === SERVER)!;
      assert.equal(server.attributes['http.route'], undefined);
    } finally {
      plain.kill();
      await plain.exited();
    }
  });
});
