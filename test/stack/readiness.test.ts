// Every backend of the shared stack is the pinned version and answers its readiness endpoint.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BackendName, RunningBackend } from '@tracetail/stack';
import { defaultBackends, useSharedStack, versions } from '@tracetail/stack';
import { getJson } from './poll.ts';

describe('shared stack readiness', { timeout: 300_000 }, () => {
  let stack: Record<BackendName, RunningBackend>;
  before(async () => {
    stack = await useSharedStack([...defaultBackends]);
  });

  it('Collector: health_check answers and its own telemetry names our distribution', async () => {
    const health = await fetch(`http://127.0.0.1:${stack.collector.ports.health}/`);
    assert.equal(health.status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${stack.collector.ports.metrics}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(`service_name="tracetail-otelcol"[^\\n]*service_version="${versions().collector.version}"`),
    );
  });

  it('Jaeger: /status says ready and the query API answers', async () => {
    const status = await getJson<{ status: string }>(`http://127.0.0.1:${stack.jaeger.ports.health}/status`);
    assert.equal(status.status, 200);
    const services = await getJson<{ data: unknown }>(`${stack.jaeger.url}/api/services`);
    assert.equal(services.status, 200);
  });

  it('Loki: /ready, and buildinfo reports the pinned version', async () => {
    assert.equal((await fetch(`${stack.loki.url}/ready`)).status, 200);
    const info = await getJson<{ version: string }>(`${stack.loki.url}/loki/api/v1/status/buildinfo`);
    assert.equal(info.body.version, versions().loki.version);
  });

  it('Prometheus: /-/ready, pinned version, and it scrapes the Collector', async () => {
    assert.equal((await fetch(`${stack.prometheus.url}/-/ready`)).status, 200);
    const info = await getJson<{ data: { version: string } }>(
      `${stack.prometheus.url}/api/v1/status/buildinfo`,
    );
    // Debian reports its rebuild suffix: 2.42.0+ds.
    assert.match(
      info.body.data.version,
      new RegExp(`^${versions().prometheus.version.replaceAll('.', '\\.')}(\\+|$)`),
    );
    const targets = await getJson<{ data: { activeTargets: Array<{ scrapeUrl: string }> } }>(
      `${stack.prometheus.url}/api/v1/targets`,
    );
    const urls = targets.body.data.activeTargets.map((t) => t.scrapeUrl);
    assert.ok(
      urls.includes(`http://127.0.0.1:${stack.collector.ports.promExporter}/metrics`),
      urls.join(', '),
    );
  });

  it('Alertmanager: /-/ready and the pinned version', async () => {
    assert.equal((await fetch(`${stack.alertmanager.url}/-/ready`)).status, 200);
    const status = await getJson<{ versionInfo: { version: string } }>(
      `${stack.alertmanager.url}/api/v2/status`,
    );
    assert.equal(status.body.versionInfo.version, versions().alertmanager.version);
  });

  it('Elasticsearch: cluster health is at least yellow and the node is the pinned version', async () => {
    const health = await getJson<{ status: string }>(
      `${stack.elasticsearch.url}/_cluster/health?wait_for_status=yellow&timeout=10s`,
    );
    assert.equal(health.status, 200);
    assert.ok(['green', 'yellow'].includes(health.body.status), health.body.status);
    const nodes = await getJson<{ nodes: Record<string, { version: string }> }>(
      `${stack.elasticsearch.url}/_nodes/_local`,
    );
    assert.deepEqual(
      Object.values(nodes.body.nodes).map((n) => n.version),
      [versions().elasticsearch.version],
    );
  });
});
