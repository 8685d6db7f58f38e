// Benchmark (prints figures; not a test): 1,000,000 JSON lines of about 500 bytes shipped by the
// tailer CLI into (a) a local HTTP sink that discards (Loki protocol: protobuf + snappy), (b) the real
// Loki, (c) the real Elasticsearch. Measures wall time, lines/s, MB/s, CPU seconds and peak RSS of the
// tailer process.
//   node packages/tailer/bench/throughput.ts            (BENCH_LINES=200000 for a quicker run;
//   BENCH_TARGETS=discard,loki,elasticsearch to choose)
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const TARGETS = (process.env.BENCH_TARGETS ?? 'discard,loki,elasticsearch').split(',');
const FILES = 4;
const builtCli = resolve(import.meta.dirname, '../dist/cli.js');
const cli = existsSync(builtCli) ? builtCli : resolve(import.meta.dirname, '../src/cli.ts');
const CLK_TCK = 100;

interface Result {
  target: string;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  bytes: number;
}

async function writeInput(dir: string): Promise<number> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  let bytes = 0;
  const perFile = Math.ceil(LINES / FILES);
  const pad = 'x'.repeat(160);
  const start = Date.now();
  for (let f = 0; f < FILES; f++) {
    const out = createWriteStream(join(dir, 'logs', `bench-${f}.log`));
    for (let i = 0; i < perFile && f * perFile + i < LINES; i++) {
      const n = f * perFile + i;
      const line = `${JSON.stringify({
        timestamp: new Date(start + Math.floor(n / 100)).toISOString(),
        level: n % 20 === 0 ? 'warn' : 'info',
        message: `GET /api/orders/${n} completed with 200 in ${n % 97} ms ${pad}`,
        'service.name': `checkout-${n % 3}`,
        trace_id: n.toString(16).padStart(32, '0'),
        span_id: n.toString(16).padStart(16, '0'),
        trace_flags: '01',
        correlation_id: `corr-${n.toString(36)}`,
        'http.route': '/api/orders/:id',
        'http.response.status_code': 200,
        n,
      })}\n`;
      bytes += Buffer.byteLength(line);
      if (!out.write(line)) await new Promise((r) => out.once('drain', r));
    }
    await new Promise<void>((r) => out.end(r));
  }
  return bytes;
}

function procStat(pid: number): { cpuSeconds: number; hwmKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuSeconds: ticks / CLK_TCK, hwmKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

async function shipped(port: number, sink: string): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`tracetail_tailer_lines_shipped_total{sink="${sink}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  } catch {
    return 0;
  }
}

async function run(
  target: string,
  dir: string,
  sinks: Record<string, unknown>,
  sinkName: string,
  bytes: number,
): Promise<Result> {
  const work = mkdtempSync(join(tmpdir(), `bench-${target}-`));
  const configFile = join(work, 'tailer.yaml');
  writeFileSync(
    configFile,
    stringify({
      inputs: [{ name: 'bench', paths: [join(dir, 'logs/*.log')] }],
      sinks,
      checkpoint: { path: join(work, 'positions.json') },
      server: { port: 0 },
    }),
  );
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=2', '--max-old-space-size=96', cli, '--config', configFile],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const poll = setInterval(() => {
      const match = /"metricsPort":(\d+)/.exec(stderr);
      if (match) {
        clearInterval(poll);
        resolvePort(Number(match[1]));
      } else if (child.exitCode !== null || Date.now() - started > 30_000) {
        clearInterval(poll);
        reject(new Error(`tailer did not start: ${stderr}`));
      }
    }, 20);
  });
  let peak = 0;
  for (;;) {
    const done = (await shipped(port, sinkName)) >= LINES;
    peak = Math.max(peak, procStat(child.pid!).hwmKiB);
    if (done) break;
    if (child.exitCode !== null) throw new Error(`tailer exited: ${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  const { cpuSeconds, hwmKiB } = procStat(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(work, { recursive: true, force: true });
  return { target, seconds, cpuSeconds, peakRssMiB: Math.max(peak, hwmKiB) / 1024, bytes };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-input-'));
process.stderr.write(`writing ${LINES} lines…\n`);
const bytes = await writeInput(dir);
process.stderr.write(`${(bytes / 1e6).toFixed(0)} MB written (${(bytes / LINES).toFixed(0)} B/line)\n`);
const results: Result[] = [];
const stops: (() => Promise<void>)[] = [];
try {
  if (TARGETS.includes('discard')) {
    let received = 0;
    const server = createServer((req, res) => {
      req.on('data', (c: Buffer) => {
        received += c.length;
      });
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    results.push(await run('discard (Loki protocol)', dir, { loki: { url } }, 'loki', bytes));
    process.stderr.write(`discard sink received ${(received / 1e6).toFixed(0)} MB compressed\n`);
    server.close();
  }
  const needLoki = TARGETS.includes('loki');
  const needEs = TARGETS.includes('elasticsearch');
  if (needLoki || needEs) {
    const { startBackend } = await import('../../stack/src/index.ts');
    if (needLoki) {
      const loki = await startBackend('loki', { ports: 'free' });
      stops.push(() => loki.stop());
      results.push(await run('Loki (real)', dir, { loki: { url: loki.url } }, 'loki', bytes));
    }
    if (needEs) {
      const es = await startBackend('elasticsearch', { ports: 'free' });
      stops.push(() => es.stop());
      results.push(
        await run('Elasticsearch (real)', dir, { elasticsearch: { url: es.url } }, 'elasticsearch', bytes),
      );
    }
  }
} finally {
  for (const stop of stops) await stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

const cores = availableParallelism();
console.log(
  `\ntracetail-tail throughput: ${LINES} JSON lines, ${(bytes / LINES).toFixed(0)} B/line average, ${FILES} files`,
);
console.log(`machine: ${cores} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}\n`);
const header = [
  'target',
  'seconds',
  'lines/s',
  'MB/s',
  'CPU s',
  'lines per CPU-s',
  'lines/s per core',
  'peak RSS MiB',
];
const rows = results.map((r) => [
  r.target,
  r.seconds.toFixed(1),
  Math.round(LINES / r.seconds).toLocaleString('en-US'),
  (r.bytes / 1e6 / r.seconds).toFixed(1),
  r.cpuSeconds.toFixed(1),
  Math.round(LINES / r.cpuSeconds).toLocaleString('en-US'),
  Math.round(LINES / r.seconds / cores).toLocaleString('en-US'),
  r.peakRssMiB.toFixed(0),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const fmt = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(fmt(row));
