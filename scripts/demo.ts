// npm run demo [-- --duration <seconds>]
// Starts the real backends (or reuses a stack left up by `npm run stack -- up`), the example MCP
// service under `node -r @tracetail/otel/register`, the tailer and a traffic client; sends one request
// with a known correlation id and trace id; prints where to find it in each backend; runs until Ctrl-C
// (or for --duration seconds) and then stops everything it started.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  type BackendName,
  defaultStackDir,
  StackError,
  stackStatus,
  startStack,
  stopStack,
  useSharedStack,
} from '@tracetail/stack';
import { type BackendUrls, type Pipeline, probe, startPipeline, waitUntil } from './pipeline.ts';

const usage = `usage: npm run demo [-- --duration <seconds>] [--service-name <name>]

  --duration      run for this many seconds, then stop (default 0: until Ctrl-C); env TRACETAIL_DEMO_DURATION
  --service-name  OTEL_SERVICE_NAME of the example service (default example-mcp); env TRACETAIL_DEMO_SERVICE
`;

const BACKENDS: BackendName[] = ['jaeger', 'loki', 'elasticsearch', 'collector', 'prometheus'];

interface Stack {
  readonly urls: BackendUrls & { readonly jaeger: string };
  readonly origin: string;
  /** Stops what the demo started itself (nothing when it reused a running stack). */
  stop(): Promise<void>;
}

/** A stack someone else runs (the test run's, or `npm run stack -- up`), else one of our own. */
async function obtainStack(): Promise<Stack> {
  const toUrls = (url: (name: BackendName) => string) => ({
    collector: url('collector'),
    jaeger: url('jaeger'),
    loki: url('loki'),
    elasticsearch: url('elasticsearch'),
    prometheus: url('prometheus'),
  });
  if ((process.env.TRACETAIL_STACK_DIR ?? '') !== '') {
    const shared = await useSharedStack(BACKENDS);
    return { urls: toUrls((n) => shared[n].url), origin: 'the test run’s stack', stop: async () => {} };
  }
  const running = await stackStatus(defaultStackDir());
  const healthy = new Map(running.filter((s) => s.healthy).map((s) => [s.name, s.url]));
  if (BACKENDS.every((name) => healthy.has(name))) {
    return {
      urls: toUrls((n) => healthy.get(n)!),
      origin: 'the stack of `npm run stack -- up` (left running)',
      stop: async () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tracetail-demo-stack-'));
  console.log('Starting the backends (the first run builds them, which takes a while) …');
  let started: Awaited<ReturnType<typeof startStack>>;
  try {
    started = await startStack(dir, BACKENDS, 'auto', process.pid);
  } catch (error) {
    await stopStack(dir).catch(() => []);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    urls: toUrls((n) => started[n].url),
    origin: `its own stack in ${dir} (stopped at the end)`,
    stop: async () => {
      try {
        await stopStack(dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function lokiCurl(loki: string, query: string): string {
  return `curl -sG ${loki}/loki/api/v1/query_range --data-urlencode 'query=${query}' --data-urlencode since=1h`;
}

async function guide(stack: Stack, pipeline: Pipeline): Promise<void> {
  const { urls } = stack;
  const request = await probe(pipeline.mcpUrl, 'demo');
  const service = pipeline.serviceName;
  // Wait until the sample request is visible everywhere, so what we print can be opened right away.
  const visible = await Promise.allSettled([
    waitUntil(
      'the trace in Jaeger',
      async () => (await fetch(`${urls.jaeger}/api/traces/${request.traceId}`)).ok,
      30_000,
    ),
    waitUntil(
      'the audit events in Elasticsearch',
      async () => {
        const r = await fetch(`${urls.elasticsearch}/tracetail-audit-*/_count`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: { term: { correlation_id: request.correlationId } } }),
        });
        return ((await r.json()) as { count?: number }).count === 4;
      },
      30_000,
    ),
  ]);
  const auditDir = pipeline.auditDir;
  const promQuery = `sum by (gen_ai_tool_name, outcome) (rate(tracetail_mcp_tool_calls_total{job="${service}"}[1m]))`;
  const lines = [
    '',
    `tracetail demo: ${service} with traffic, using ${stack.origin}`,
    '',
    '1. The preload (one flag, no code change). The service runs as:',
    `   ${pipeline.serviceCommand}`,
    `   MCP endpoint ${pipeline.mcpUrl}, its metrics ${pipeline.metricsUrl}`,
    `   The tailer ships ${pipeline.logFile} and ${pipeline.auditDir}/*.jsonl (config: ${pipeline.tailerConfig})`,
    '',
    `A sample request (sandbox.exec and bench.write_file in one MCP session) was sent with`,
    `   x-correlation-id: ${request.correlationId}`,
    `   trace id:         ${request.traceId}`,
    '',
    '2. Logs in Loki (what Grafana Explore runs against the Loki datasource):',
    `   {service_name="${service}"} | trace_id="${request.traceId}"`,
    `   {service_name="${service}", stream="app", level="error"}`,
    `   ${lokiCurl(urls.loki, `{service_name="${service}"} | trace_id="${request.traceId}"`)}`,
    '   Grafana itself is not built natively (no Go module for it); with Docker,',
    '   `cp compose/.env.example compose/.env && docker compose -f compose/docker-compose.yml up`',
    '   serves it on http://localhost:3000 with these datasources and the dashboards provisioned.',
    '',
    `3. The trace in Jaeger (spans went service → Collector ${urls.collector} → Jaeger):`,
    `   curl -s ${urls.jaeger}/api/traces/${request.traceId}`,
    `   curl -s ${urls.jaeger}/api/v3/traces/${request.traceId}`,
    '   (the native Jaeger serves the API only; the Compose image adds the UI at /trace/<id>)',
    visible[0].status === 'fulfilled'
      ? '   (found: the trace is there)'
      : '   (not visible yet; retry in a few seconds)',
    '',
    '4. The request’s audit events by correlation id:',
    `   npx tracetail audit query --correlation-id ${request.correlationId} --pretty ${auditDir}`,
    `   {stream="audit"} | correlation_id="${request.correlationId}"     (Loki)`,
    `   curl -s ${urls.elasticsearch}/tracetail-audit-*/_search -H 'content-type: application/json' \\`,
    `     -d '{"query":{"term":{"correlation_id":"${request.correlationId}"}}}'`,
    visible[1].status === 'fulfilled'
      ? '   (found: 4 events in Elasticsearch: exec.start, fs.write and two tool.call)'
      : '   (not all in Elasticsearch yet; retry in a few seconds)',
    '',
    'Metrics in Prometheus (the service is scraped through file_sd; span metrics come from the Collector):',
    `   ${urls.prometheus}/graph?g0.expr=${encodeURIComponent(promQuery)}`,
    `   curl -sG ${urls.prometheus}/api/v1/query --data-urlencode 'query=${promQuery}'`,
    `   curl -sG ${urls.prometheus}/api/v1/query --data-urlencode 'query=sum by (span_name) (traces_span_metrics_calls_total{service_name="${service}"})'`,
    '',
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  let values: { duration?: string; 'service-name'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string' },
        'service-name': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const durationText = values.duration ?? process.env.TRACETAIL_DEMO_DURATION ?? '0';
  const duration = Number(durationText);
  if (!Number.isFinite(duration) || duration < 0) {
    process.stderr.write(`demo: --duration: expected seconds ≥ 0, got "${durationText}"\n${usage}`);
    return 2;
  }
  const serviceName = values['service-name'] ?? process.env.TRACETAIL_DEMO_SERVICE ?? 'example-mcp';

  // Ctrl-C ends the wait below; a second one kills what is left now.
  let interrupted: () => void = () => {};
  const stopRequested = new Promise<void>((res) => {
    interrupted = res;
  });
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(130); // the pipeline's exit hook kills its process groups
    console.log('\nStopping …');
    interrupted();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const began = Date.now();
  const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
  const stack = await obtainStack();
  console.log(`Backends ready after ${elapsed()}`);
  let pipeline: Pipeline | undefined;
  let stackStopped = false;
  try {
    if (signals > 0) return 0;
    pipeline = await startPipeline({
      backends: stack.urls,
      serviceName,
      preload: 'require',
      traffic: { rate: 2, durationSeconds: 0, sessions: 2 },
      registerTailer: true,
    });
    console.log(`Service, tailer and traffic running after ${elapsed()}`);
    await guide(stack, pipeline);
    console.log(`Sample request checked in Jaeger and Elasticsearch after ${elapsed()}`);
    console.log(
      duration > 0
        ? `Running for ${duration} s (Ctrl-C stops it earlier) …`
        : 'Running until Ctrl-C (traffic keeps flowing: 2 tool calls/s) …',
    );
    await Promise.race([stopRequested, duration > 0 ? sleep(duration * 1000) : new Promise(() => {})]);
    const { ports } = pipeline;
    const pids = pipeline.pids();
    await pipeline.stop();
    pipeline = undefined;
    stackStopped = true;
    await stack.stop();
    console.log(`Stopped after ${elapsed()}`);
    // A machine-readable last line: what ran, so a caller can check nothing is left behind.
    console.log(`demo stopped: ${JSON.stringify({ pids, ports })}`);
    return 0;
  } finally {
    await pipeline?.stop();
    if (!stackStopped) await stack.stop().catch(() => {});
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The launcher's errors say what to do; anything else is a bug worth its stack trace.
    const text =
      error instanceof StackError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`demo: ${text}\n`);
    process.exitCode = 1;
  },
);
