// Every panel query of every dashboard, run against the real backends after real traffic: the example MCP
// service under the preload, the Collector (spans → Jaeger, span metrics), the tailer shipping its app and
// audit logs to Loki and Elasticsearch, and a Prometheus with our rules scraping all of it. The test
// names every panel that comes back empty.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildDashboards, interpolate, type PanelQuery, panelQueries } from '@tracetail/dashboards';
import { type RunningBackend, startBackend, useSharedStack } from '@tracetail/stack';
import { parse, stringify } from 'yaml';
import { type Pipeline, REPO, startPipeline, waitUntil } from '../../scripts/pipeline.ts';

const SERVICE = 'example-mcp';
const TRAFFIC_SECONDS = Number(process.env.TRACETAIL_E2E_TRAFFIC_SECONDS ?? 45);
/**
 * Targets that are empty by design in this setup, with the reason. tracetail tails log files and lets
 * Prometheus scrape metrics, so the Collector receives spans only over OTLP; these targets fill in when a
 * service pushes OTLP logs or metrics. Any other empty target fails the test.
 */
const EMPTY_BY_DESIGN: Record<string, string> = {
  'tracetail-pipeline-health / Collector accepted items / B': 'no OTLP metric push (metrics are scraped)',
  'tracetail-pipeline-health / Collector accepted items / C': 'no OTLP logs (logs are tailed from files)',
  'tracetail-pipeline-health / Collector exported items / C': 'no OTLP logs (logs are tailed from files)',
};

const ES_INDEX: Record<string, string> = {
  'tracetail-es-audit': 'tracetail-audit-*',
  'tracetail-es-logs': 'tracetail-logs-*',
};

interface QueryOutcome {
  readonly query: PanelQuery;
  readonly expr: string;
  readonly series: number;
  readonly error?: string;
}

describe('every dashboard query returns data from the real backends', { timeout: 600_000 }, () => {
  let stack: Record<string, RunningBackend>;
  let prometheus: RunningBackend;
  let pipeline: Pipeline | undefined;
  let prometheusDir: string | undefined;
  let startedAt: number;
  let correlationIds: string[] = [];
  const outcomes: QueryOutcome[] = [];
  // TRACETAIL_KEEP_WORK=1 keeps the pipeline's work dir (the service's logs, the tailer's state and dead
  // letters) and this Prometheus's data dir for a post-mortem.
  const keep = process.env.TRACETAIL_KEEP_WORK === '1';

  before(async () => {
    for (const file of ['packages/example-mcp/dist/server.js', 'packages/tailer/dist/cli.js']) {
      assert.ok(existsSync(join(REPO, file)), `${file} is missing: run npm run build first`);
    }
    stack = await useSharedStack(['jaeger', 'loki', 'alertmanager', 'elasticsearch', 'collector']);
    prometheusDir = mkdtempSync(join(tmpdir(), 'tracetail-e2e-dash-prometheus-'));
    startedAt = Date.now();

    // A Prometheus of our own with the repo's config and rules, aimed at exactly these processes: the
    // stack's static targets here, the service and the tailer through the file_sd targets the pipeline
    // writes.
    prometheus = await startBackend('prometheus', { ports: 'free', dataDir: prometheusDir });
    const etc = join(prometheusDir, 'etc');
    const configFile = join(etc, 'prometheus.yml');
    const config = parse(readFileSync(configFile, 'utf8')) as {
      global: Record<string, string>;
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
    };
    const at = (backend: string, role: string): string => `127.0.0.1:${stack[backend]!.ports[role]}`;
    const staticTargets: Record<string, string> = {
      'otel-collector-exporter': at('collector', 'promExporter'),
      'otel-collector': at('collector', 'metrics'),
      jaeger: at('jaeger', 'metrics'),
      loki: at('loki', 'http'),
      alertmanager: at('alertmanager', 'http'),
      prometheus: `127.0.0.1:${prometheus.ports.http}`,
    };
    for (const job of config.scrape_configs) {
      const target = staticTargets[job.job_name];
      if (target !== undefined) job.static_configs = [{ targets: [target] }];
    }
    config.alerting.alertmanagers[0]!.static_configs = [{ targets: [at('alertmanager', 'http')] }];
    writeFileSync(configFile, stringify(config));
    assert.equal((await fetch(`${prometheus.url}/-/reload`, { method: 'POST' })).status, 200);

    // The example MCP service under the preload (spans to the Collector, /metrics scraped, logs and
    // audit events written to files), the tailer shipping them to Loki and Elasticsearch, both listed in
    // this Prometheus's targets. Traffic: every tool, some failing on purpose, half the calls with their
    // own correlation id; and bench containers spawned and killed as a client would.
    pipeline = await startPipeline({
      backends: {
        collector: stack.collector!.url,
        loki: stack.loki!.url,
        elasticsearch: stack.elasticsearch!.url,
        prometheus: prometheus.url,
      },
      serviceName: SERVICE,
      preload: 'import',
      traffic: { rate: 10, durationSeconds: TRAFFIC_SECONDS },
      benchContainers: { images: ['python:3.12-slim', 'node:24-slim', 'alpine:3'], kill: 1 },
      registerTailer: true,
      onOutput: (source, text) => {
        if (source === 'pipeline') console.log(text.trimEnd());
      },
    });
    const summary = await pipeline.traffic!.catch((error: Error) =>
      assert.fail(`traffic client failed: ${error.message}`),
    );
    assert.ok(summary.calls > TRAFFIC_SECONDS * 5, `only ${summary.calls} calls`);
    correlationIds = summary.correlationIds;

    // Let the last scrapes, rule evaluations, span-metric flushes and sink batches land.
    await waitUntil(
      'recorded tool call rates in Prometheus',
      async () => {
        const r = await fetch(`${prometheus.url}/api/v1/query?query=job_tool:mcp_tool_calls:rate5m`);
        return ((await r.json()) as { data: { result: unknown[] } }).data.result.length > 0;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 15_000));
    await fetch(`${stack.elasticsearch!.url}/tracetail-*/_refresh`, { method: 'POST' });
  });

  after(async () => {
    await pipeline?.stop();
    await prometheus?.stop();
    if (prometheusDir !== undefined && !keep) rmSync(prometheusDir, { recursive: true, force: true });
    else if (prometheusDir !== undefined) console.log(`kept ${prometheusDir}`);
  });

  async function run(query: PanelQuery): Promise<QueryOutcome> {
    const now = Date.now();
    const rangeSeconds = Math.ceil((now - startedAt) / 1000) + 60;
    const expr = interpolate(query.expr, {
      variables: { job: '.*', instance: '.*', tool: '.*', service: SERVICE, correlation_id: '' },
      rangeSeconds,
      step: '1m',
    });
    const startS = Math.floor(startedAt / 1000) - 60;
    const endS = Math.ceil(now / 1000);
    try {
      if (query.language === 'promql') {
        const url = query.instant
          ? `${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}&time=${endS}`
          : `${prometheus.url}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${startS}&end=${endS}&step=5`;
        const response = await fetch(url);
        const body = (await response.json()) as {
          status: string;
          error?: string;
          data?: { result: unknown[] };
        };
        if (body.status !== 'success')
          return { query, expr, series: 0, error: body.error ?? String(response.status) };
        return { query, expr, series: body.data!.result.length };
      }
      if (query.language === 'logql') {
        const loki = stack.loki!.url;
        const url = query.instant
          ? `${loki}/loki/api/v1/query?query=${encodeURIComponent(expr)}&time=${endS}`
          : `${loki}/loki/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${startS}&end=${endS}&step=5&limit=100`;
        const response = await fetch(url);
        if (!response.ok)
          return { query, expr, series: 0, error: `${response.status} ${await response.text()}` };
        const body = (await response.json()) as { data: { result: unknown[] } };
        return { query, expr, series: body.data.result.length };
      }
      return await runElasticsearch(query, expr, startS * 1000, endS * 1000);
    } catch (error) {
      return { query, expr, series: 0, error: (error as Error).message };
    }
  }

  /** The search Grafana's Elasticsearch datasource sends for these targets: query_string + time filter. */
  async function runElasticsearch(
    query: PanelQuery,
    lucene: string,
    fromMs: number,
    toMs: number,
  ): Promise<QueryOutcome> {
    const index = ES_INDEX[query.datasourceUid]!;
    const filter = {
      bool: {
        filter: [
          { range: { '@timestamp': { gte: fromMs, lte: toMs, format: 'epoch_millis' } } },
          { query_string: { query: lucene, analyze_wildcard: true } },
        ],
      },
    };
    const es = stack.elasticsearch!.url;
    const post = async (path: string, body: unknown) =>
      fetch(`${es}/${index}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const validation = (await (await post('_validate/query?explain=true', { query: filter })).json()) as {
      valid: boolean;
      explanations?: { error?: string }[];
    };
    if (!validation.valid) {
      return { query, expr: lucene, series: 0, error: `invalid: ${JSON.stringify(validation.explanations)}` };
    }
    const raw = query.metrics?.some((m) => m.type === 'raw_data');
    const terms = query.bucketAggs?.find((b) => b.type === 'terms') as { field: string } | undefined;
    const histogram = { date_histogram: { field: '@timestamp', fixed_interval: '10s', min_doc_count: 0 } };
    const body = raw
      ? { query: filter, size: 100, sort: [{ '@timestamp': 'desc' }] }
      : {
          query: filter,
          size: 0,
          aggs: terms
            ? { split: { terms: { field: terms.field, size: 20 }, aggs: { time: histogram } } }
            : { time: histogram },
        };
    const response = await post('_search', body);
    const result = (await response.json()) as {
      hits?: { hits: unknown[] };
      aggregations?: { split?: { buckets: unknown[] }; time?: { buckets: { doc_count: number }[] } };
      error?: unknown;
    };
    if (!response.ok) return { query, expr: lucene, series: 0, error: JSON.stringify(result.error) };
    const series = raw
      ? (result.hits?.hits.length ?? 0)
      : terms
        ? (result.aggregations?.split?.buckets.length ?? 0)
        : (result.aggregations?.time?.buckets.filter((b) => b.doc_count > 0).length ?? 0);
    return { query, expr: lucene, series };
  }

  test('every query parses and every panel returns data', async (t) => {
    const queries = [...buildDashboards().values()].flatMap((d) => panelQueries(d));
    for (const query of queries) outcomes.push(await run(query));

    const errors = outcomes.filter((o) => o.error !== undefined);
    const panels = new Map<string, QueryOutcome[]>();
    for (const o of outcomes) {
      const key = `${o.query.dashboard} / ${o.query.panel}`;
      panels.set(key, [...(panels.get(key) ?? []), o]);
    }
    const empty = [...panels].filter(([, list]) => list.every((o) => o.series === 0)).map(([key]) => key);
    const emptyTargets: string[] = [];
    for (const o of outcomes.filter((o) => o.series === 0 && o.error === undefined)) {
      const key = `${o.query.dashboard} / ${o.query.panel} / ${o.query.refId}`;
      t.diagnostic(
        `no data: ${key}: ${o.expr}${EMPTY_BY_DESIGN[key] ? ` (by design: ${EMPTY_BY_DESIGN[key]})` : ''}`,
      );
      if (EMPTY_BY_DESIGN[key] === undefined) emptyTargets.push(`${key}: ${o.expr}`);
    }
    t.diagnostic(
      `${outcomes.length} queries in ${panels.size} panels; ${outcomes.filter((o) => o.series > 0).length} returned data`,
    );
    assert.deepEqual(
      errors.map((o) => `${o.query.dashboard} / ${o.query.panel} / ${o.query.refId}: ${o.error}`),
      [],
      'queries the backends rejected',
    );
    assert.deepEqual(empty, [], 'panels with no data');
    assert.deepEqual(emptyTargets, [], 'queries with no data (not listed in EMPTY_BY_DESIGN)');
  });

  test('every scrape job is up, Jaeger own telemetry included', async () => {
    const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=up`)).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    const up = new Map(body.data.result.map((r) => [r.metric.job!, r.value[1]]));
    for (const job of [
      'jaeger',
      'otel-collector',
      'otel-collector-exporter',
      'loki',
      'alertmanager',
      'prometheus',
    ])
      assert.equal(up.get(job), '1', `up{job="${job}"}: ${JSON.stringify(Object.fromEntries(up))}`);
    const down = body.data.result.filter((r) => r.value[1] !== '1').map((r) => JSON.stringify(r.metric));
    assert.deepEqual(down, [], 'targets down');
    // The spans of the traffic, as Jaeger's OTLP receiver counted them.
    const accepted = 'sum({__name__=~"otelcol_receiver_accepted_spans(_total)?", job="jaeger"})';
    const spans = (await (
      await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(accepted)}`)
    ).json()) as { data: { result: { value: [number, string] }[] } };
    assert.ok(Number(spans.data.result[0]?.value[1] ?? 0) > 0, `${accepted}: ${JSON.stringify(spans.data)}`);
  });

  test('every recording and alert rule evaluates without error on the real series', async () => {
    const body = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const rules = body.data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
    assert.ok(rules.length > 80, `only ${rules.length} rules loaded`);
    const broken = rules
      .filter((r) => r.health !== 'ok')
      .map((r) => `${r.group} / ${r.name}: ${r.health} ${r.lastError ?? ''}`);
    assert.deepEqual(broken, []);
  });

  test('the correlation_id variable finds one request in Loki and Elasticsearch, and only that request', async () => {
    assert.ok(correlationIds.length > 0, 'the traffic driver sent no correlation ids');
    const logsAudit = buildDashboards().get('logs-audit')!;
    const panels = ['Application logs', 'Audit events (Loki)', 'Audit trail (Elasticsearch)'];
    const queries = panelQueries(logsAudit).filter((q) => panels.includes(q.panel));
    assert.equal(queries.length, 3);

    const rangeSeconds = Math.ceil((Date.now() - startedAt) / 1000) + 60;
    const found = async (query: PanelQuery, id: string): Promise<string[]> => {
      const expr = interpolate(query.expr, {
        variables: { service: SERVICE, correlation_id: id },
        rangeSeconds,
        step: '1m',
      });
      const startS = Math.floor(startedAt / 1000) - 60;
      const endS = Math.ceil(Date.now() / 1000);
      if (query.language === 'logql') {
        const url = `${stack.loki!.url}/loki/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${startS}&end=${endS}&limit=1000`;
        const response = await fetch(url);
        const text = await response.text();
        assert.ok(response.ok, `${query.panel}: ${text}`);
        const body = JSON.parse(text) as {
          data: { result: { stream: Record<string, string>; values: unknown[] }[] };
        };
        return body.data.result.flatMap((r) => r.values.map(() => r.stream.correlation_id ?? ''));
      }
      const response = await fetch(`${stack.elasticsearch!.url}/${ES_INDEX[query.datasourceUid]}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          size: 1000,
          query: { bool: { filter: [{ query_string: { query: expr, analyze_wildcard: true } }] } },
        }),
      });
      const text = await response.text();
      assert.ok(response.ok, `${query.panel}: ${text}`);
      const body = JSON.parse(text) as { hits: { hits: { _source: { correlation_id?: string } }[] } };
      return body.hits.hits.map((h) => h._source.correlation_id ?? '');
    };

    // Some sent ids belong to calls that failed before the server logged them; look for one that made it.
    let chosen: string | undefined;
    for (const id of correlationIds.slice(0, 20)) {
      const results = await Promise.all(queries.map((q) => found(q, id)));
      if (results.every((r) => r.length > 0)) {
        chosen = id;
        for (const [i, r] of results.entries()) {
          assert.ok(
            r.every((value) => value.startsWith(id)),
            `${queries[i]!.panel} returned other requests: ${r}`,
          );
        }
        break;
      }
    }
    assert.ok(
      chosen,
      `none of ${correlationIds.slice(0, 20).length} correlation ids appears in all of ${panels}`,
    );
    for (const query of queries)
      assert.deepEqual(await found(query, 'traffic-no-such-request'), [], query.panel);
  });

  test('trace links resolve: exemplars, Loki trace_id and Elasticsearch trace.id each open a trace in Jaeger', async () => {
    const traceExists = async (id: string): Promise<boolean> => {
      const response = await fetch(`${stack.jaeger!.url}/api/traces/${id}`);
      if (!response.ok) return false;
      const body = (await response.json()) as { data?: { spans: unknown[] }[] };
      return (body.data?.[0]?.spans.length ?? 0) > 0;
    };
    const startS = Math.floor(startedAt / 1000) - 60;
    const endS = Math.ceil(Date.now() / 1000);

    // Prometheus exemplars on the span-metrics latency buckets (the datasource's exemplarTraceIdDestinations).
    const exemplarQuery = `traces_span_metrics_duration_milliseconds_bucket{service_name="${SERVICE}"}`;
    const exemplars = (await (
      await fetch(
        `${prometheus.url}/api/v1/query_exemplars?query=${encodeURIComponent(exemplarQuery)}&start=${startS}&end=${endS}`,
      )
    ).json()) as { data: { exemplars: { labels: Record<string, string> }[] }[] };
    const exemplarTrace = exemplars.data.flatMap((s) => s.exemplars).find((e) => e.labels.trace_id)
      ?.labels.trace_id;
    assert.ok(exemplarTrace, `no exemplar with a trace_id for ${exemplarQuery}`);
    assert.ok(await traceExists(exemplarTrace), `exemplar trace ${exemplarTrace} is not in Jaeger`);

    // Loki: trace_id structured metadata (the derived field's label matcher).
    const logQuery = `{service_name="${SERVICE}", stream="app"} | trace_id != ""`;
    const logs = (await (
      await fetch(
        `${stack.loki!.url}/loki/api/v1/query_range?query=${encodeURIComponent(logQuery)}&start=${startS}&end=${endS}&limit=20`,
      )
    ).json()) as { data: { result: { stream: Record<string, string> }[] } };
    const logTrace = logs.data.result.map((r) => r.stream.trace_id).find((id) => id !== undefined);
    assert.ok(logTrace, 'no app log line in Loki carries trace_id');
    assert.ok(await traceExists(logTrace), `log trace ${logTrace} is not in Jaeger`);

    // Elasticsearch audit documents: trace.id (the datasource's data link field).
    const audit = (await (
      await fetch(`${stack.elasticsearch!.url}/tracetail-audit-*/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ size: 20, query: { exists: { field: 'trace.id' } } }),
      })
    ).json()) as { hits: { hits: { _source: Record<string, string> }[] } };
    const auditTrace = audit.hits.hits.map((h) => h._source['trace.id']).find((id) => id !== undefined);
    assert.ok(auditTrace, 'no audit document carries trace.id');
    assert.ok(await traceExists(auditTrace), `audit trace ${auditTrace} is not in Jaeger`);
  });
});
