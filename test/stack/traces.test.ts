// OTLP/HTTP → our Collector → Jaeger: a trace sent to the Collector comes back from Jaeger by id,
// and the span_metrics connector turns it into RED metrics in Prometheus with the trace id as exemplar.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BackendName, RunningBackend } from '@tracetail/stack';
import { useSharedStack } from '@tracetail/stack';
import { eventually, getJson, hexId, postJson } from './poll.ts';

interface JaegerTrace {
  traceID: string;
  spans: Array<{ operationName: string; spanID: string; processID: string }>;
  processes: Record<string, { serviceName: string }>;
}

describe('traces through the Collector', { timeout: 120_000 }, () => {
  let stack: Record<BackendName, RunningBackend>;
  const traceId = hexId(16);
  const spanId = hexId(8);
  const service = `stack-test-${hexId(4)}`;

  before(async () => {
    stack = await useSharedStack(['jaeger', 'loki', 'collector', 'prometheus']);
    const now = BigInt(Date.now()) * 1_000_000n;
    const sent = await postJson(`${stack.collector.url}/v1/traces`, {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              scope: { name: 'stack-test' },
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'GET /orders/:id',
                  kind: 2,
                  startTimeUnixNano: String(now - 42_000_000n),
                  endTimeUnixNano: String(now),
                  attributes: [
                    { key: 'http.request.method', value: { stringValue: 'GET' } },
                    { key: 'http.route', value: { stringValue: '/orders/:id' } },
                    { key: 'http.response.status_code', value: { intValue: '200' } },
                  ],
                  status: {},
                },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
  });

  it('Jaeger returns the trace by id, with its span and service', async () => {
    const trace = await eventually('the trace in Jaeger', async () => {
      const found = await getJson<{ data: JaegerTrace[] }>(`${stack.jaeger.url}/api/traces/${traceId}`);
      return found.status === 200 ? found.body.data[0] : undefined;
    });
    assert.equal(trace.traceID, traceId);
    assert.equal(trace.spans.length, 1);
    const span = trace.spans[0]!;
    assert.equal(span.spanID, spanId);
    assert.equal(span.operationName, 'GET /orders/:id');
    assert.equal(trace.processes[span.processID]?.serviceName, service);
  });

  it('span_metrics puts a call count in Prometheus, with the trace id as exemplar', async () => {
    const selector = `traces_span_metrics_calls_total{service_name="${service}"}`;
    const value = await eventually(
      'span_metrics series in Prometheus',
      async () => {
        const result = await getJson<{ data: { result: Array<{ value: [number, string] }> } }>(
          `${stack.prometheus.url}/api/v1/query?query=${encodeURIComponent(selector)}`,
        );
        // The first scrape can catch the series before the connector's first flush counted the span.
        const count = result.body.data.result[0]?.value[1];
        return count === undefined || count === '0' ? undefined : count;
      },
      45_000,
    );
    assert.equal(value, '1');
    const bucket = `traces_span_metrics_duration_milliseconds_bucket{service_name="${service}"}`;
    const end = Math.ceil(Date.now() / 1000) + 60;
    const exemplars = await eventually(
      'an exemplar in Prometheus',
      async () => {
        const result = await getJson<{
          data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }>;
        }>(
          `${stack.prometheus.url}/api/v1/query_exemplars?query=${encodeURIComponent(bucket)}&start=${end - 600}&end=${end}`,
        );
        const all = result.body.data.flatMap((series) => series.exemplars);
        return all.length > 0 ? all : undefined;
      },
      45_000,
    );
    assert.ok(
      exemplars.some((e) => e.labels.trace_id === traceId),
      JSON.stringify(exemplars),
    );
  });
});
