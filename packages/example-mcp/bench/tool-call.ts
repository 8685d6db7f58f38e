// Cost of the preload on MCP tool calls: the example service is started without it and with it
// (spans sampled and exported to a local OTLP sink that discards, MCP metrics, tool.call audit
// events in batch mode), and a real SDK client makes sequential `time.now` and `sandbox.exec` calls
// over Streamable HTTP. Prints the median call latency and calls/s per variant and the ratio.
//   npm run build && node packages/example-mcp/bench/tool-call.ts [--calls 1000] [--runs 3]
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '1000' }, runs: { type: 'string', default: '3' } },
});
const calls = Number(values.calls);
const runs = Number(values.runs);
const packageDir = resolve(import.meta.dirname, '..');

// Accepts OTLP posts and discards them, so export cost is paid but no backend is measured.
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
sink.listen(0, '127.0.0.1');
await once(sink, 'listening');
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

async function startServer(preload: boolean, dir: string): Promise<{ child: ChildProcess; url: string }> {
  const args = preload ? ['--import', '@tracetail/otel/register', 'dist/server.js'] : ['dist/server.js'];
  const child = spawn(process.execPath, args, {
    cwd: packageDir,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      OTEL_SERVICE_NAME: 'bench-mcp',
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      TRACETAIL_LOG_STDOUT: 'true',
      TRACETAIL_AUDIT_FILE: join(dir, 'audit', 'audit.jsonl'),
      EXAMPLE_SCRATCH_DIR: join(dir, 'scratch'),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const port = /"message":"listening"[^\n]*"port":(\d+)/.exec(stdout)?.[1];
    if (port !== undefined) return { child, url: `http://127.0.0.1:${port}/mcp` };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${stdout}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function measure(preload: boolean): Promise<{ medianMs: number; perSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tracetail-mcp-bench-'));
  const { child, url } = await startServer(preload, dir);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  for (let i = 0; i < 100; i++) await client.callTool({ name: 'time.now', arguments: {} }); // warm-up
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await client.callTool(
      i % 2 === 0
        ? { name: 'time.now', arguments: { timezone: 'Europe/Paris' } }
        : { name: 'sandbox.exec', arguments: { expression: '2 ^ 10 + 1' } },
    );
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  await transport.terminateSession();
  await client.close();
  child.kill('SIGTERM');
  await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return { medianMs: latencies[Math.floor(latencies.length / 2)] ?? 0, perSecond: calls / seconds };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const results = {
  without: [] as { medianMs: number; perSecond: number }[],
  with: [] as { medianMs: number; perSecond: number }[],
};
for (let run = 0; run < runs; run++) {
  results.without.push(await measure(false));
  results.with.push(await measure(true));
}
sink.close();
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${calls} sequential calls x ${runs} runs`,
);
console.log('variant          median latency ms  calls/s (median of runs)');
for (const [name, list] of Object.entries(results)) {
  console.log(
    `${(name === 'with' ? 'with preload' : 'without preload').padEnd(16)} ${median(
      list.map((r) => r.medianMs),
    )
      .toFixed(3)
      .padStart(17)}  ${median(list.map((r) => r.perSecond))
      .toFixed(0)
      .padStart(8)}`,
  );
}
const ratio = median(results.with.map((r) => r.perSecond)) / median(results.without.map((r) => r.perSecond));
console.log(`throughput with/without: ${ratio.toFixed(2)}`);
