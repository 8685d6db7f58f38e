// The MCP instrumentation end to end: the example MCP tool service (packages/example-mcp) runs as a
// real child process with the preload (`--import @tracetail/otel/register`, no code change), a real
// SDK client talks to it over Streamable HTTP, and the test reads what an operator would see: spans
// on an OTLP receiver, /metrics, and the audit file. Needs `npm run build` (dist of both packages).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { parsePrometheusText, type Sample } from './helpers/prometheus-text.ts';

const exampleDir = resolve(import.meta.dirname, '../../example-mcp');
const serverScript = join(exampleDir, 'dist/server.js');
const cli = resolve(import.meta.dirname, '../src/cli/main.ts');

interface McpService {
  readonly child: ChildProcess;
  readonly url: string;
  readonly metricsUrl: string;
  readonly auditFile: string;
  /** JSON log records the service wrote to stdout. */
  logRecords(): Record<string, unknown>[];
  stop(): Promise<void>;
}

async function startService(receiver: OtlpReceiver, env: Record<string, string> = {}): Promise<McpService> {
  assert.ok(existsSync(serverScript), `${serverScript} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'tracetail-mcp-'));
  const auditFile = join(dir, 'audit', 'audit.jsonl');
  const child = spawn(process.execPath, ['--import', '@tracetail/otel/register', serverScript], {
    cwd: exampleDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      OTEL_SERVICE_NAME: 'example-mcp-test',
      OTEL_LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      TRACETAIL_AUDIT_FILE: auditFile,
      TRACETAIL_AUDIT_FLUSH_MS: '20',
      EXAMPLE_SCRATCH_DIR: join(dir, 'scratch'),
      EXAMPLE_DIFFUSION_FAILURE_RATE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const deadline = Date.now() + 15_000;
  let port: number | undefined;
  let metricsPort: number | undefined;
  while (port === undefined || metricsPort === undefined) {
    port ??= Number(/"message":"listening"[^\n]*"port":(\d+)/.exec(stdout)?.[1]) || undefined;
    metricsPort ??= Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1]) || undefined;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`example MCP service did not start\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    url: `http://127.0.0.1:${port}/mcp`,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    auditFile,
    logRecords: () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function connect(url: string, headers: Record<string, string> = {}) {
  const client = new Client({ name: 'tracetail-test', version: '9.8.7' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

async function scrape(url: string): Promise<Sample[]> {
  return parsePrometheusText(await (await fetch(url)).text());
}

function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length === Object.keys(s.labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

async function readAudit(file: string, predicate: (events: Record<string, unknown>[]) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const events = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
    if (predicate(events)) return events;
    if (Date.now() > deadline)
      throw new Error(`audit events not written; got ${JSON.stringify(events, null, 1)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const toolSpan = (spans: ReceivedSpan[], tool: string) =>
  spans.filter((s) => s.name === `tools/call ${tool}` && s.attributes['mcp.method.name'] === 'tools/call');

describe('MCP server instrumentation (example service, Streamable HTTP, preload only)', () => {
  let receiver: OtlpReceiver;
  let service: McpService;
  let sessionId: string;
  const results: Record<string, { isError?: boolean }> = {};

  before(async () => {
    receiver = await startOtlpReceiver();
    service = await startService(receiver);
    const { client, transport } = await connect(service.url, { 'x-correlation-id': 'mcp-test-corr-1' });
    sessionId = transport.sessionId ?? '';
    await client.listTools();
    results.ok = (await client.callTool({
      name: 'time.now',
      arguments: { timezone: 'Europe/Paris' },
    })) as never;
    // isError result returned by the tool itself.
    results.badZone = (await client.callTool({
      name: 'time.now',
      arguments: { timezone: 'Mars/Base' },
    })) as never;
    // A tool that throws (division by zero); the SDK turns it into an isError result.
    results.throws = (await client.callTool({
      name: 'sandbox.exec',
      arguments: { expression: '1 / 0' },
    })) as never;
    results.exec = (await client.callTool({
      name: 'sandbox.exec',
      arguments: { expression: '2 ^ 10' },
    })) as never;
    await transport.terminateSession();
    await client.close();
  });

  after(async () => {
    await service?.stop();
    await receiver?.close();
  });

  it('the client saw the tool results it expects', () => {
    assert.notEqual(sessionId, '');
    assert.equal(results.ok?.isError, undefined);
    assert.equal(results.badZone?.isError, true);
    assert.equal(results.throws?.isError, true);
    assert.equal(results.exec?.isError, undefined);
  });

  it('creates one server span per request with the MCP semantic-convention attributes', async () => {
    const spans = await receiver.waitForSpans(
      (all) => toolSpan(all, 'sandbox.exec').length === 2 && all.some((s) => s.name === 'tools/list'),
    );
    const [ok, badZone] = toolSpan(spans, 'time.now');
    assert.ok(ok !== undefined && badZone !== undefined);
    assert.equal(ok.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(ok.serviceName, 'example-mcp-test');
    assert.equal(ok.attributes['gen_ai.tool.name'], 'time.now');
    assert.equal(ok.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(ok.attributes['mcp.session.id'], sessionId);
    assert.equal(ok.attributes['jsonrpc.request.id'], '2');
    assert.equal(ok.attributes['jsonrpc.protocol.version'], '2.0');
    assert.equal(ok.attributes['network.transport'], 'tcp');
    assert.equal(ok.attributes.correlation_id, 'mcp-test-corr-1');
    assert.equal(ok.attributes['error.type'], undefined);
    assert.equal(
      ok.attributes['gen_ai.tool.call.arguments'],
      undefined,
      'arguments are not recorded by default',
    );
    assert.equal(badZone.attributes['error.type'], 'tool_error');

    const [throws] = toolSpan(spans, 'sandbox.exec');
    assert.equal(throws?.attributes['error.type'], 'tool_error');

    const initialize = spans.find((s) => s.name === 'initialize');
    assert.ok(initialize, 'initialize span');
    assert.match(String(initialize.attributes['mcp.protocol.version']), /^\d{4}-\d\d-\d\d$/);

    // Child of the HTTP server span of the POST that carried it, which has the correlation id too.
    const parent = spans.find((s) => s.spanId === ok.parentSpanId);
    assert.ok(parent, 'parent span exported');
    assert.equal(parent.traceId, ok.traceId);
    assert.equal(parent.kind, 2);
    assert.equal(parent.attributes['http.request.method'], 'POST');
    assert.equal(parent.attributes.correlation_id, 'mcp-test-corr-1');
  });

  it('exports duration, tool-call and session metrics on /metrics', async () => {
    const samples = await scrape(service.metricsUrl);
    const duration = 'mcp_server_operation_duration_seconds_count';
    assert.equal(
      sampleValue(samples, duration, { mcp_method_name: 'tools/call', gen_ai_tool_name: 'time.now' }),
      1,
    );
    assert.equal(
      sampleValue(samples, duration, {
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: 'time.now',
        error_type: 'tool_error',
      }),
      1,
    );
    assert.equal(
      sampleValue(samples, duration, {
        mcp_method_name: 'tools/call',
        gen_ai_tool_name: 'sandbox.exec',
        error_type: 'tool_error',
      }),
      1,
    );
    assert.equal(sampleValue(samples, duration, { mcp_method_name: 'tools/list' }), 1);
    const calls = 'tracetail_mcp_tool_calls_total';
    assert.equal(sampleValue(samples, calls, { gen_ai_tool_name: 'time.now', outcome: 'success' }), 1);
    assert.equal(sampleValue(samples, calls, { gen_ai_tool_name: 'time.now', outcome: 'failure' }), 1);
    assert.equal(sampleValue(samples, calls, { gen_ai_tool_name: 'sandbox.exec', outcome: 'failure' }), 1);
    assert.equal(sampleValue(samples, calls, { gen_ai_tool_name: 'sandbox.exec', outcome: 'success' }), 1);
    // The session was initialized, then terminated (DELETE): one duration sample, none active.
    assert.equal(sampleValue(samples, 'tracetail_mcp_sessions_active', {}), 0);
    const sessionCount = samples.find((s) => s.name === 'mcp_server_session_duration_seconds_count');
    assert.equal(sessionCount?.value, 1);
    // The example service's own DevBench-style metrics.
    assert.equal(
      sampleValue(samples, 'mcp_executions_total', { tool: 'sandbox.exec', result: 'failure' }),
      1,
    );
    assert.equal(
      sampleValue(samples, 'mcp_executions_total', { tool: 'sandbox.exec', result: 'success' }),
      1,
    );
    assert.equal(sampleValue(samples, 'mcp_execution_duration_seconds_count', { tool: 'sandbox.exec' }), 2);
  });

  it('writes the correlation id into the log records of the requests', () => {
    const requests = service.logRecords().filter((record) => record.message === 'request');
    assert.ok(requests.length >= 6, `expected request log lines, got ${requests.length}`);
    for (const record of requests) assert.equal(record.correlation_id, 'mcp-test-corr-1');
  });

  it('writes a tool.call audit event per call, tied to the request and the span', async () => {
    const events = await readAudit(
      service.auditFile,
      (all) => all.filter((e) => e['event.action'] === 'tool.call').length === 4,
    );
    const toolCalls = events.filter((e) => e['event.action'] === 'tool.call');
    assert.deepEqual(
      toolCalls.map((e) => [e.tool_name, e['event.outcome']]),
      [
        ['time.now', 'success'],
        ['time.now', 'failure'],
        ['sandbox.exec', 'failure'],
        ['sandbox.exec', 'success'],
      ],
    );
    for (const event of toolCalls) {
      assert.equal(event.client_name, 'tracetail-test');
      assert.equal(event.client_version, '9.8.7');
      assert.equal(event.session_id, sessionId);
      assert.equal(event.correlation_id, 'mcp-test-corr-1');
      assert.equal(event['service.name'], 'example-mcp-test');
      assert.equal(typeof event.duration_ms, 'number');
      assert.match(String(event.trace_id), /^[0-9a-f]{32}$/);
      assert.equal((event.details as Record<string, unknown>).arguments, undefined);
    }
    assert.equal(toolCalls[2]?.['event.reason'], 'division by zero');
    assert.equal(toolCalls[1]?.['event.reason'], 'unknown time zone "Mars/Base"');
    // The span of the call and its audit event share trace and span ids.
    const span = toolSpan(receiver.spans, 'time.now')[0];
    assert.equal(toolCalls[0]?.trace_id, span?.traceId);
    assert.equal(toolCalls[0]?.span_id, span?.spanId);
    // The DevBench-style exec.start event of the sandbox, inside the same request.
    const exec = events.filter((e) => e['event.action'] === 'exec.start');
    assert.equal(exec.length, 2);
    assert.equal(exec[0]?.image, 'tracetail/expression-sandbox:1');
    assert.equal(exec[0]?.correlation_id, 'mcp-test-corr-1');

    const verify = spawnSync(process.execPath, [cli, 'audit', 'verify', service.auditFile], {
      encoding: 'utf8',
    });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const query = spawnSync(
      process.execPath,
      [
        cli,
        'audit',
        'query',
        '--correlation-id',
        'mcp-test-corr-1',
        '--action',
        'tool.call',
        service.auditFile,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(query.status, 0, query.stderr);
    assert.equal(query.stdout.trim().split('\n').length, 4);
  });
});

describe('MCP content capture (opt-in, redacted and truncated)', () => {
  let receiver: OtlpReceiver;
  let service: McpService;

  before(async () => {
    receiver = await startOtlpReceiver();
    service = await startService(receiver, {
      TRACETAIL_MCP_CAPTURE_CONTENT: 'true',
      TRACETAIL_MCP_CONTENT_MAX_CHARS: '200',
    });
    const { client, transport } = await connect(service.url);
    await client.callTool({
      name: 'bench.write_file',
      arguments: { api_token: 's3cr3t-value', path: 'notes/a.txt', content: 'y'.repeat(1000) },
    });
    await transport.terminateSession();
    await client.close();
  });

  after(async () => {
    await service?.stop();
    await receiver?.close();
  });

  it('records arguments and result on the span and in the audit event', async () => {
    const spans = await receiver.waitForSpans((all) => toolSpan(all, 'bench.write_file').length === 1);
    const span = toolSpan(spans, 'bench.write_file')[0];
    const args = String(span?.attributes['gen_ai.tool.call.arguments']);
    assert.ok(args.length <= 200, `arguments capped at 200 chars, got ${args.length}`);
    assert.match(args, /"api_token":"\[REDACTED\]"/);
    assert.doesNotMatch(args, /s3cr3t/);
    assert.match(String(span?.attributes['gen_ai.tool.call.result']), /wrote notes/);

    const events = await readAudit(service.auditFile, (all) =>
      all.some((e) => e['event.action'] === 'tool.call'),
    );
    const call = events.find((e) => e['event.action'] === 'tool.call');
    const details = call?.details as { arguments: Record<string, unknown>; result: unknown };
    assert.equal(details.arguments.api_token, '[REDACTED]');
    assert.match(String(details.arguments.content), /^y{200}…\[truncated 800 chars\]$/);
    assert.doesNotMatch(JSON.stringify(events), /s3cr3t/);
    const write = events.find((e) => e['event.action'] === 'fs.write');
    assert.equal(write?.['event.outcome'], 'success');
    assert.equal(write?.resource, 'shared/notes/a.txt');
  });
});
