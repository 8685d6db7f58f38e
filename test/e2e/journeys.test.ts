// The four things users do with tracetail, end to end on the real backends: start a service with
// `node -r @tracetail/otel/register`; find its trace in Jaeger (through the real Collector); find its
// log lines in Loki with the LogQL Grafana Explore runs; find one request's audit events by
// correlation id in Loki, Elasticsearch and the local files, all agreeing. Plus its metrics in
// Prometheus. The service is the example MCP service, the shipper is the real tailer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningBackend, useSharedStack } from '@tracetail/stack';
import { type Pipeline, type ProbeResult, probe, REPO, startPipeline } from '../../scripts/pipeline.ts';
import { eventually } from '../stack/poll.ts';

// The package's own bin target: npm links node_modules/.bin/tracetail only once dist exists.
const TRACETAIL_BIN = join(REPO, 'packages/otel/dist/cli/main.js');

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

describe('user journeys on the real backends', { timeout: 240_000 }, () => {
  let stack: Record<string, RunningBackend>;
  let pipeline: Pipeline;
  let request: ProbeResult;
  let startedAt: number;
  let serviceOutput = '';
  const serviceName = `journeys-${randomBytes(4).toString('hex')}`;

  before(async () => {
    stack = await useSharedStack(['jaeger', 'loki', 'elasticsearch', 'collector', 'prometheus']);
    startedAt = Date.now();
    pipeline = await startPipeline({
      backends: {
        collector: stack.collector!.url,
        loki: stack.loki!.url,
        elasticsearch: stack.elasticsearch!.url,
        prometheus: stack.prometheus!.url,
      },
      serviceName,
      preload: 'require',
      traffic: { rate: 3, durationSeconds: 0, sessions: 1 },
      onOutput: (source, text) => {
        if (source === 'service') serviceOutput += text;
      },
    });
    request = await probe(pipeline.mcpUrl, 'journeys');
  });

  after(async () => {
    await pipeline?.stop();
  });

  const logql = async (query: string): Promise<{ labels: Record<string, string>; line: string }[]> => {
    const params = new URLSearchParams({
      query,
      start: String(Math.floor(startedAt / 1000) - 60),
      end: String(Math.ceil(Date.now() / 1000) + 5),
      limit: '1000',
    });
    const response = await fetch(`${stack.loki!.url}/loki/api/v1/query_range?${params}`);
    const text = await response.text();
    assert.equal(response.status, 200, `${query}: ${text}`);
    const body = JSON.parse(text) as {
      data: { result: { stream: Record<string, string>; values: [string, string][] }[] };
    };
    return body.data.result.flatMap((r) => r.values.map(([, line]) => ({ labels: r.stream, line })));
  };

  test('1. the service runs under node -r @tracetail/otel/register and its trace reaches Jaeger through the Collector', async () => {
    assert.match(
      pipeline.serviceCommand,
      /node -r @tracetail\/otel\/register packages\/example-mcp\/dist\/server\.js$/,
    );
    assert.doesNotMatch(serviceOutput, /is an ES module/, 'the -r entry must be CommonJS');
    // The service exports to the Collector's OTLP/HTTP port, not to Jaeger's: Jaeger only sees what the
    // Collector forwards.
    assert.notEqual(stack.collector!.ports.otlpHttp, stack.jaeger!.ports.otlpHttp);

    const trace = await eventually(
      `trace ${request.traceId} with both tool spans in Jaeger`,
      async () => {
        const response = await fetch(`${stack.jaeger!.url}/api/traces/${request.traceId}`);
        if (!response.ok) {
          await response.arrayBuffer();
          return undefined;
        }
        const body = (await response.json()) as { data: JaegerTrace[] };
        const found = body.data[0];
        const names = new Set(found?.spans.map((s) => s.operationName));
        return names.has('tools/call sandbox.exec') && names.has('tools/call bench.write_file')
          ? found
          : undefined;
      },
      30_000,
    );
    const tool = trace.spans.find((s) => s.operationName === 'tools/call sandbox.exec')!;
    const tag = (key: string) => tool.tags.find((t) => t.key === key)?.value;
    assert.equal(tool.traceID, request.traceId);
    assert.equal(trace.processes[tool.processID]?.serviceName, serviceName);
    assert.equal(tag('gen_ai.tool.name'), 'sandbox.exec');
    assert.equal(tag('mcp.method.name'), 'tools/call');
    assert.equal(tag('correlation_id'), request.correlationId);
    // The MCP span is a child of the HTTP server span of the same request.
    const parentIds = new Set(trace.spans.filter((s) => s.operationName === 'POST').map((s) => s.spanID));
    const refs = (tool as unknown as { references: { refType: string; spanID: string }[] }).references;
    assert.ok(
      refs.some((r) => r.refType === 'CHILD_OF' && parentIds.has(r.spanID)),
      'the tool span is not a child of an HTTP POST span',
    );
  });

  test('2. the request’s log lines are in Loki by trace_id, as typed in Grafana Explore', async () => {
    // What the service wrote for this trace: app log lines, and the audit events it recorded in it
    // (same service_name label, stream="audit").
    const local = (): string[] =>
      execFileSync('grep', ['-rhF', `"trace_id":"${request.traceId}"`, pipeline.logFile, pipeline.auditDir], {
        encoding: 'utf8',
      })
        .trim()
        .split('\n');
    const query = `{service_name="${serviceName}"} | trace_id="${request.traceId}"`;
    const lines = await eventually(
      `every local log line of trace ${request.traceId} in Loki`,
      async () => {
        const found = await logql(query);
        return found.length > 0 && found.length === local().length ? found : undefined;
      },
      30_000,
    );
    assert.deepEqual(lines.map(({ line }) => line).sort(), local().sort());
    for (const { labels, line } of lines) {
      assert.equal(labels.service_name, serviceName);
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.equal(record.trace_id, request.traceId);
      assert.equal(record.correlation_id, request.correlationId);
    }
    const app = lines.filter(({ labels }) => labels.stream === 'app');
    assert.ok(
      app.some(({ line }) => /"message":"request"/.test(line)),
      'the request log lines are missing',
    );
  });

  test('3. a request’s audit events by correlation id: Loki, Elasticsearch and the local files agree', async () => {
    const local = await eventually(
      'the audit events in the local files',
      async () => {
        const out = execFileSync(
          process.execPath,
          [TRACETAIL_BIN, 'audit', 'query', '--correlation-id', request.correlationId, pipeline.auditDir],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const events = out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        return events.length >= 4 ? events : undefined;
      },
      15_000,
    );
    const actions = (events: Record<string, unknown>[]) =>
      events.map((e) => String(e['event.action'])).sort();
    assert.deepEqual(actions(local), ['exec.start', 'fs.write', 'tool.call', 'tool.call']);
    for (const event of local) assert.equal(event.correlation_id, request.correlationId);
    assert.ok(
      local.filter((e) => e['event.action'] === 'tool.call').every((e) => e.trace_id === request.traceId),
      'tool.call events must carry the request’s trace id',
    );

    const inLoki = await eventually(
      'the audit events in Loki',
      async () => {
        const found = await logql(`{stream="audit"} | correlation_id="${request.correlationId}"`);
        return found.length >= local.length ? found : undefined;
      },
      30_000,
    );
    const lokiEvents = inLoki.map(({ line }) => JSON.parse(line) as Record<string, unknown>);

    const inElasticsearch = await eventually(
      'the audit events in Elasticsearch',
      async () => {
        const response = await fetch(`${stack.elasticsearch!.url}/tracetail-audit-*/_search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ size: 100, query: { term: { correlation_id: request.correlationId } } }),
        });
        const body = (await response.json()) as { hits?: { hits: { _source: Record<string, unknown> }[] } };
        const hits = body.hits?.hits.map((h) => h._source) ?? [];
        return hits.length >= local.length ? hits : undefined;
      },
      30_000,
    );

    assert.equal(lokiEvents.length, local.length, 'Loki has another number of events');
    assert.equal(inElasticsearch.length, local.length, 'Elasticsearch has another number of events');
    assert.deepEqual(actions(lokiEvents), actions(local));
    assert.deepEqual(actions(inElasticsearch), actions(local));
    // Same events, not just the same count: the chain hashes match one to one.
    const hashes = (events: Record<string, unknown>[]) => events.map((e) => String(e.hash)).sort();
    assert.deepEqual(hashes(lokiEvents), hashes(local));
    assert.deepEqual(hashes(inElasticsearch), hashes(local));

    // And the local trail is intact.
    execFileSync(process.execPath, [TRACETAIL_BIN, 'audit', 'verify', pipeline.auditDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  });

  test('the tailer set nothing aside: no line dead-lettered by Loki or Elasticsearch', async () => {
    const metrics = (await (await fetch(pipeline.tailerMetricsUrl)).text()).split('\n');
    const total = (name: string, labelFilter = '') =>
      metrics
        .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .filter((line) => line.includes(labelFilter))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    assert.ok(total('tracetail_tailer_lines_shipped_total', 'sink="loki"') > 0, 'nothing shipped to Loki');
    assert.ok(
      total('tracetail_tailer_lines_shipped_total', 'sink="elasticsearch"') > 0,
      'nothing shipped to Elasticsearch',
    );
    const deadLettered = total('tracetail_tailer_lines_dead_lettered_total');
    const deadLetterFile = join(pipeline.workDir, 'state/dead-letter.jsonl');
    const setAside = existsSync(deadLetterFile) ? readFileSync(deadLetterFile, 'utf8') : '';
    assert.equal(deadLettered, 0, `dead-lettered lines:\n${setAside.slice(0, 2000)}`);
    assert.equal(setAside, '');
  });

  test('4. the service’s HTTP and MCP metrics, and its span metrics, are queryable in Prometheus', async () => {
    const value = async (query: string): Promise<number | undefined> => {
      const response = await fetch(`${stack.prometheus!.url}/api/v1/query?${new URLSearchParams({ query })}`);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      const v = body.data.result[0]?.value[1];
      return v !== undefined && Number(v) > 0 ? Number(v) : undefined;
    };
    // Scraped from the service's /metrics (file_sd target written by the pipeline; `job` = service).
    // The first scrape can land before the third request: wait for a scrape that has counted them.
    let lastHttp: number | undefined;
    const http = await eventually(
      'at least 3 HTTP requests in the metrics scraped from the service',
      async () => {
        lastHttp = await value(`sum(http_server_request_duration_seconds_count{job="${serviceName}"})`);
        return lastHttp !== undefined && lastHttp >= 3 ? lastHttp : undefined;
      },
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`only ${lastHttp ?? 0} HTTP requests counted`, { cause: error });
    });
    assert.ok(http >= 3);
    await eventually(
      'MCP tool call counter scraped from the service',
      () =>
        value(
          `sum(tracetail_mcp_tool_calls_total{job="${serviceName}", gen_ai_tool_name="sandbox.exec", outcome="success"})`,
        ),
      30_000,
    );
    // Derived from the spans by the Collector's span_metrics connector, exported to Prometheus.
    await eventually(
      'span metrics of the tool span from the Collector',
      () =>
        value(
          `sum(traces_span_metrics_calls_total{service_name="${serviceName}", span_name="tools/call sandbox.exec"})`,
        ),
      30_000,
    );
  });
});
