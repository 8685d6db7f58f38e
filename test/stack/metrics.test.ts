// OTLP/HTTP metrics → our Collector → its prometheus exporter → scraped by Prometheus → PromQL.
// Also the Collector's own host_metrics receiver, which feeds the LowDiskSpace alert.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { BackendName, RunningBackend } from '@tracetail/stack';
import { repoRoot, useSharedStack } from '@tracetail/stack';
import { parse } from 'yaml';
import { eventually, getJson, hexId, postJson } from './poll.ts';

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

describe('metrics through the Collector into Prometheus', { timeout: 120_000 }, () => {
  let stack: Record<BackendName, RunningBackend>;
  const service = `stack-metrics-${hexId(4)}`;
  const run = hexId(6);

  async function query(promql: string): Promise<Vector> {
    const result = await getJson<{ status: string; data: { result: Vector } }>(
      `${stack.prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    assert.equal(result.body.status, 'success');
    return result.body.data.result;
  }

  before(async () => {
    stack = await useSharedStack(['collector', 'prometheus']);
    const now = String(BigInt(Date.now()) * 1_000_000n);
    const start = String(BigInt(Date.now() - 10_000) * 1_000_000n);
    const sent = await postJson(`${stack.collector.url}/v1/metrics`, {
      resourceMetrics: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: service } },
              { key: 'service.instance.id', value: { stringValue: `${service}-1` } },
            ],
          },
          scopeMetrics: [
            {
              scope: { name: 'stack-test' },
              metrics: [
                {
                  name: 'stack_test.orders',
                  unit: '{order}',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      {
                        asDouble: 7,
                        startTimeUnixNano: start,
                        timeUnixNano: now,
                        attributes: [{ key: 'run', value: { stringValue: run } }],
                      },
                    ],
                  },
                },
                {
                  name: 'stack_test.queue.depth',
                  unit: '1',
                  gauge: {
                    dataPoints: [
                      {
                        asInt: '3',
                        timeUnixNano: now,
                        attributes: [{ key: 'run', value: { stringValue: run } }],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
  });

  it('a monotonic sum becomes a _total counter, with job and instance from the resource', async () => {
    const series = await eventually(
      'the counter in Prometheus',
      async () => {
        const found = await query(`stack_test_orders_total{run="${run}"}`);
        return found.length > 0 ? found : undefined;
      },
      45_000,
    );
    assert.equal(series.length, 1);
    assert.equal(series[0]!.value[1], '7');
    assert.equal(series[0]!.metric.job, service);
    assert.equal(series[0]!.metric.instance, `${service}-1`);
  });

  it('a unit-1 gauge becomes a _ratio gauge', async () => {
    const series = await eventually(
      'the gauge in Prometheus',
      async () => {
        const found = await query(`stack_test_queue_depth_ratio{run="${run}"}`);
        return found.length > 0 ? found : undefined;
      },
      45_000,
    );
    assert.equal(series[0]!.value[1], '3');
  });

  it('host_metrics fills system_filesystem_usage_bytes, and LowDiskSpace evaluates on it', async () => {
    const series = await eventually(
      'filesystem usage from the Collector in Prometheus',
      async () => {
        const found = await query('system_filesystem_usage_bytes{job="otel-collector-exporter"}');
        const states = new Set(found.map((s) => s.metric.state));
        return states.has('free') && states.has('used') ? found : undefined;
      },
      45_000,
    );
    for (const { metric } of series) {
      assert.ok(metric.mountpoint && metric.device, JSON.stringify(metric));
      // Pseudo filesystems are excluded in collector/config.yaml.
      assert.doesNotMatch(metric.type ?? '', /^(proc|sysfs|tmpfs|devtmpfs|devpts|cgroup2?)$/);
      assert.doesNotMatch(metric.mountpoint ?? '', /^\/(proc|sys|dev|run)(\/|$)/);
    }

    const groups = (
      parse(readFileSync(join(repoRoot, 'compose/prometheus/rules/alerts.yml'), 'utf8')) as {
        groups: Array<{ rules: Array<{ alert?: string; expr: string }> }>;
      }
    ).groups;
    const expr = groups.flatMap((g) => g.rules).find((r) => r.alert === 'LowDiskSpace')?.expr;
    assert.ok(expr, 'LowDiskSpace is in alerts.yml');
    // The alert's expression is valid PromQL on the real series (query() asserts status success)…
    await query(expr);
    // …and without its threshold gives one free ratio per (job, instance, mountpoint), in [0, 1].
    const threshold = /\s*<\s*0\.1\s*$/;
    assert.match(expr, threshold);
    const ratios = await query(expr.replace(threshold, ''));
    const mountpoints = new Set(series.map((s) => s.metric.mountpoint));
    assert.deepEqual(new Set(ratios.map((r) => r.metric.mountpoint)), mountpoints);
    for (const ratio of ratios) {
      assert.equal(ratio.metric.job, 'otel-collector-exporter');
      const free = Number(ratio.value[1]);
      assert.ok(free >= 0 && free <= 1, `free ratio ${free} of ${ratio.metric.mountpoint}`);
    }
  });
});
