// OTLP/HTTP metrics → our Collector → its prometheus exporter → scraped by Prometheus → PromQL.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BackendName, RunningBackend } from '@tracetail/stack';
import { useSharedStack } from '@tracetail/stack';
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
});
