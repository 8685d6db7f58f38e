// A real alert end to end: a service target that cannot be scraped makes the real ServiceDown rule fire in
// a real Prometheus, which sends it to a real Alertmanager, which routes it by severity to a local webhook.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningBackend, startBackend } from '@tracetail/stack';
import { parse, stringify } from 'yaml';

interface Delivery {
  path: string;
  body: {
    receiver: string;
    status: string;
    alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  };
}

/** The base URL every webhook in compose/alertmanager/alertmanager.yml starts with (its topology marker). */
const WEBHOOK_MARKER = 'http://127.0.0.1:9095';

async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function reload(backend: RunningBackend): Promise<void> {
  const response = await fetch(`${backend.url}/-/reload`, { method: 'POST' });
  assert.equal(response.status, 200, `${backend.name} reload: ${await response.text()}`);
}

describe('alert delivery: Prometheus → Alertmanager → webhook', { timeout: 240_000 }, () => {
  const deliveries: Delivery[] = [];
  let webhook: Server;
  let alertmanager: RunningBackend;
  let prometheus: RunningBackend;
  const dirs: string[] = [];

  before(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        deliveries.push({ path: req.url ?? '', body: JSON.parse(body) as Delivery['body'] });
        res.writeHead(200).end();
      });
    });
    webhook.listen(0, '127.0.0.1');
    await once(webhook, 'listening');
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`;

    const amDir = mkdtempSync(join(tmpdir(), 'tracetail-am-'));
    dirs.push(amDir);
    alertmanager = await startBackend('alertmanager', { ports: 'free', dataDir: amDir });
    // The launcher renders alertmanager.yml into <dataDir>/etc; point its webhooks at ours.
    const amConfig = join(amDir, 'etc/alertmanager.yml');
    const amText = readFileSync(amConfig, 'utf8');
    assert.ok(amText.includes(WEBHOOK_MARKER), 'alertmanager.yml lost its webhook marker');
    writeFileSync(amConfig, amText.replaceAll(WEBHOOK_MARKER, webhookUrl));
    await reload(alertmanager);

    const promDir = mkdtempSync(join(tmpdir(), 'tracetail-prom-'));
    dirs.push(promDir);
    prometheus = await startBackend('prometheus', { ports: 'free', dataDir: promDir });
    const promConfig = join(promDir, 'etc/prometheus.yml');
    const config = parse(readFileSync(promConfig, 'utf8')) as {
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    config.alerting.alertmanagers[0]!.static_configs[0]!.targets = [`127.0.0.1:${alertmanager.ports.http}`];
    writeFileSync(promConfig, stringify(config));
    // A service as a user would add it: one file in targets/services, no restart. Nothing listens there.
    writeFileSync(
      join(promDir, 'etc/targets/services/ghost.yml'),
      stringify([{ targets: [`127.0.0.1:${await closedPort()}`], labels: { service: 'ghost' } }]),
    );
    await reload(prometheus);
  });

  after(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    webhook?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('ServiceDown for the unreachable service arrives at the critical webhook', async () => {
    const deadline = Date.now() + 180_000;
    let delivery: Delivery | undefined;
    while (delivery === undefined && Date.now() < deadline) {
      delivery = deliveries.find((d) =>
        d.body.alerts.some((a) => a.labels.alertname === 'ServiceDown' && a.labels.job === 'ghost'),
      );
      if (delivery === undefined) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(
      delivery,
      `no ServiceDown for ghost reached the webhook; got ${JSON.stringify(deliveries.map((d) => d.path))}\n` +
        `prometheus log:\n${prometheus.logTail(20)}\nalertmanager log:\n${alertmanager.logTail(20)}`,
    );
    assert.equal(delivery.path, '/alerts/critical');
    assert.equal(delivery.body.receiver, 'critical');
    const alert = delivery.body.alerts.find((a) => a.labels.job === 'ghost')!;
    assert.equal(alert.status, 'firing');
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.service, 'ghost');
    assert.match(alert.annotations.summary ?? '', /^ghost target 127\.0\.0\.1:\d+ is down$/);
    assert.equal(
      alert.annotations.runbook_url,
      'https://github.com/tracetail/tracetail/blob/main/README.md#servicedown',
    );

    // Prometheus and Alertmanager agree: the alert is firing in both.
    const rules = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
      data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    assert.ok(rules.data.alerts.some((a) => a.labels.job === 'ghost' && a.state === 'firing'));
    const held = (await (
      await fetch(`${alertmanager.url}/api/v2/alerts?filter=job%3D%22ghost%22`)
    ).json()) as {
      labels: Record<string, string>;
      status: { state: string };
    }[];
    assert.equal(held.length, 1);
    assert.equal(held[0]!.labels.alertname, 'ServiceDown');
    assert.equal(held[0]!.status.state, 'active');
  });
});
