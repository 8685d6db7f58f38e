// Loki: a line pushed to the push API comes back from a LogQL query; an OTLP log record sent to the
// Collector reaches Loki with its trace id as structured metadata.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BackendName, RunningBackend } from '@tracetail/stack';
import { useSharedStack } from '@tracetail/stack';
import { eventually, getJson, hexId, postJson } from './poll.ts';

type Streams = Array<{ stream: Record<string, string>; values: Array<[string, string]> }>;

describe('Loki', { timeout: 120_000 }, () => {
  let stack: Record<BackendName, RunningBackend>;

  async function logql(query: string): Promise<Streams> {
    const start = String((Date.now() - 10 * 60_000) * 1_000_000);
    const result = await getJson<{ status: string; data: { result: Streams } }>(
      `${stack.loki.url}/loki/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start}&limit=100`,
    );
    assert.equal(result.status, 200, JSON.stringify(result.body));
    return result.body.data.result;
  }

  before(async () => {
    stack = await useSharedStack(['loki', 'jaeger', 'collector']);
  });

  it('returns a pushed line from a LogQL query', async () => {
    const job = `stack-test-${hexId(4)}`;
    const line = `order ${hexId(8)} shipped`;
    const pushed = await postJson(`${stack.loki.url}/loki/api/v1/push`, {
      streams: [{ stream: { job, level: 'info' }, values: [[String(Date.now() * 1_000_000), line]] }],
    });
    assert.equal(pushed.status, 204, JSON.stringify(pushed.body));
    const streams = await eventually('the line in Loki', async () => {
      const found = await logql(`{job="${job}"} |= "shipped"`);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      streams.flatMap((s) => s.values.map((v) => v[1])),
      [line],
    );
    assert.equal(streams[0]?.stream.level, 'info');
  });

  it('receives OTLP logs from the Collector, trace_id as structured metadata', async () => {
    const service = `stack-logs-${hexId(4)}`;
    const traceId = hexId(16);
    const sent = await postJson(`${stack.collector.url}/v1/logs`, {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeLogs: [
            {
              scope: { name: 'stack-test' },
              logRecords: [
                {
                  timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                  severityNumber: 9,
                  severityText: 'INFO',
                  body: { stringValue: 'payment accepted' },
                  traceId,
                  spanId: hexId(8),
                },
              ],
            },
          ],
        },
      ],
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const streams = await eventually('the OTLP record in Loki', async () => {
      const found = await logql(`{service_name="${service}"} | trace_id="${traceId}"`);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(
      streams.flatMap((s) => s.values.map((v) => v[1])),
      ['payment accepted'],
    );
  });
});
