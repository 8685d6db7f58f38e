// Request overhead of the preload: a plain node:http app and an express app, each run as a child
// process bare, with `-r @tracetail/otel/register`, and with the preload but OTEL_SDK_DISABLED=true;
// autocannon (a second process) loads it over loopback. Rounds alternate the variants so machine
// noise hits all of them alike. Spans are really exported (OTLP/HTTP protobuf) to a sink in this
// process that answers 200, so serialisation and export are part of the cost.
// Prints median req/s and p50/p99 latency per variant and the ratio to bare, plus the app's CPU time
// per request (Linux: from /proc/<pid>/stat), which shared, busy machines distort far less than
// req/s: a process that waits for a core spends no CPU time meanwhile.
// Usage: node packages/otel/bench/http-overhead.ts [rounds=5] [seconds=5] [connections=10]
// (build first: npx tsc --build)
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';

const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 5);
const connections = Number(process.argv[4] ?? 10);
const require = createRequire(import.meta.url);
const autocannonBin = resolve(require.resolve('autocannon/package.json'), '../autocannon.js');
const appsDir = resolve(import.meta.dirname, 'apps');

const apps = [
  { name: 'node:http', file: 'plain-http.cjs', path: '/' },
  { name: 'express', file: 'express.cjs', path: '/users/42' },
] as const;

const variants: { name: string; args: string[]; env: Record<string, string> }[] = [
  { name: 'bare', args: [], env: {} },
  { name: '-r preload', args: ['-r', '@tracetail/otel/register'], env: {} },
  { name: 'OTEL_SDK_DISABLED', args: ['-r', '@tracetail/otel/register'], env: { OTEL_SDK_DISABLED: 'true' } },
];
// TRACETAIL_BENCH_BASELINE=<path to another build's register-require.cjs> adds it as a variant, for a
// before/after comparison in one run (the same rounds, so the same machine noise).
const baseline = process.env.TRACETAIL_BENCH_BASELINE;
if (baseline !== undefined && baseline !== '') {
  variants.splice(1, 0, { name: 'baseline -r', args: ['-r', resolve(baseline)], env: {} });
}

interface Run {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU time of the app process during the measured run, µs per request (NaN off Linux). */
  cpuMicrosPerRequest: number;
}

/** User + system CPU time of a process in ms, from /proc (clock ticks of 10 ms); NaN off Linux. */
function cpuTimeMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

// The OTLP sink: accepts and discards export requests, counting bytes (proof that spans flowed).
let exportedBytes = 0;
const sink = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => {
    exportedBytes += chunk.length;
  });
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
sink.listen(0, '127.0.0.1');
await once(sink, 'listening');
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

async function startApp(file: string, args: readonly string[], extraEnv: Record<string, string>) {
  const child = spawn(process.execPath, [...args, file], {
    cwd: appsDir,
    env: {
      PATH: process.env.PATH,
      OTEL_SERVICE_NAME: 'bench',
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const port = /LISTENING (\d+)/.exec(stderr)?.[1];
    if (port !== undefined) return { child, port: Number(port), stderr: () => stderr };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${file} did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function autocannon(url: string, durationSeconds: number): Promise<Omit<Run, 'cpuMicrosPerRequest'>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [autocannonBin, '--json', '-c', String(connections), '-d', String(durationSeconds), url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const result = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number };
        errors: number;
        non2xx: number;
      };
      if (result.errors > 0 || result.non2xx > 0) {
        return reject(new Error(`${result.errors} errors, ${result.non2xx} non-2xx responses from ${url}`));
      }
      resolvePromise({
        reqPerSec: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        requests: result.requests.total,
      });
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

const results = new Map<string, Run[]>();
const key = (app: string, variant: string) => `${app}\u0000${variant}`;
const loadBefore = loadavg();

for (let round = 0; round < rounds; round++) {
  for (const app of apps) {
    // Rotate the order each round: no variant always runs first (or right after another).
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const variant of order) {
      const running = await startApp(app.file, variant.args, variant.env);
      const url = `http://127.0.0.1:${running.port}${app.path}`;
      try {
        await autocannon(url, 1); // warm-up: JIT, connection pool, lazy SDK parts; not counted
        const cpuBefore = cpuTimeMs(running.child.pid);
        const load = await autocannon(url, seconds);
        const cpuMs = cpuTimeMs(running.child.pid) - cpuBefore;
        const run: Run = { ...load, cpuMicrosPerRequest: (cpuMs * 1000) / load.requests };
        const list = results.get(key(app.name, variant.name)) ?? [];
        list.push(run);
        results.set(key(app.name, variant.name), list);
        process.stderr.write(
          `round ${round + 1}/${rounds} ${app.name} ${variant.name}: ${run.reqPerSec.toFixed(0)} req/s, ` +
            `${run.cpuMicrosPerRequest.toFixed(0)} µs CPU/request\n`,
        );
      } finally {
        await stop(running.child);
      }
    }
  }
}
sink.close();

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${rounds} rounds × ${seconds} s, ` +
    `${connections} connections, autocannon in its own process on loopback`,
);
console.log(
  `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; OTLP bytes exported to the sink: ${exportedBytes}`,
);
console.log(
  'app'.padEnd(10),
  'variant'.padEnd(18),
  'req/s'.padStart(8),
  'ratio'.padStart(7),
  'p50 ms'.padStart(7),
  'p99 ms'.padStart(7),
  'CPU µs/req'.padStart(11),
  'ratio'.padStart(7),
);
for (const app of apps) {
  const bareRuns = results.get(key(app.name, 'bare'))!;
  const bare = median(bareRuns.map((r) => r.reqPerSec));
  const bareCpu = median(bareRuns.map((r) => r.cpuMicrosPerRequest));
  for (const variant of variants) {
    const runs = results.get(key(app.name, variant.name))!;
    const reqPerSec = median(runs.map((r) => r.reqPerSec));
    const cpu = median(runs.map((r) => r.cpuMicrosPerRequest));
    console.log(
      app.name.padEnd(10),
      variant.name.padEnd(18),
      reqPerSec.toFixed(0).padStart(8),
      `${(reqPerSec / bare).toFixed(2)}×`.padStart(7),
      median(runs.map((r) => r.p50))
        .toFixed(1)
        .padStart(7),
      median(runs.map((r) => r.p99))
        .toFixed(1)
        .padStart(7),
      cpu.toFixed(0).padStart(11),
      `${(cpu / bareCpu).toFixed(2)}×`.padStart(7),
    );
  }
}
