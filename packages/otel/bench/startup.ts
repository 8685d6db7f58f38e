// Start-up cost of the preload: wall time of `node hello.cjs` (an app that does nothing and exits)
// without the preload, with `-r @tracetail/otel/register` and with `--import`, run alternately so
// machine noise hits every variant alike. Prints medians and the ratio to the bare run, for wall
// time and for the CPU time the child used (Linux: the parent's cutime+cstime from /proc, which
// grows by exactly the waited-for child's CPU time). On a shared, busy machine wall time mostly
// measures waiting for a core; CPU time does not.
// Usage: node packages/otel/bench/startup.ts [runs=21]   (build first: npx tsc --build)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';

const fixtures = resolve(import.meta.dirname, '../test/fixtures');
const runs = Number(process.argv[2] ?? 21);

const variants: Record<string, string[]> = {
  'node hello.cjs': ['hello.cjs'],
  'node -r @tracetail/otel/register hello.cjs': ['-r', '@tracetail/otel/register', 'hello.cjs'],
  'node --import @tracetail/otel/register hello.cjs': ['--import', '@tracetail/otel/register', 'hello.cjs'],
  'node --import … with OTEL_SDK_DISABLED=true': ['--import', '@tracetail/otel/register', 'hello.cjs'],
};

const env = {
  PATH: process.env.PATH,
  OTEL_EXPORTER_PROMETHEUS_PORT: '0',
  OTEL_TRACES_EXPORTER: 'otlp',
};

const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const cpuTimes: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));

/** CPU ms of this process's waited-for children (cutime + cstime, 10 ms ticks); NaN off Linux. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

function runOnce(name: string, args: string[]): number {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    cwd: fixtures,
    env: name.includes('DISABLED') ? { ...env, OTEL_SDK_DISABLED: 'true' } : env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${name} failed: ${result.stderr.toString()}`);
  cpuTimes[name]!.push(childrenCpuMs() - cpuBefore);
  return ms;
}

// One warm-up round (file system cache), not counted.
for (const [name, args] of Object.entries(variants)) runOnce(name, args);
for (const name of Object.keys(cpuTimes)) cpuTimes[name] = [];
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(variants)) times[name]!.push(runOnce(name, args));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const base = median(times['node hello.cjs']!);
console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${runs} runs per variant`,
);
console.log(
  'variant'.padEnd(52),
  'median ms'.padStart(10),
  'min ms'.padStart(8),
  'max ms'.padStart(8),
  'ratio'.padStart(7),
  'CPU ms'.padStart(8),
  'ratio'.padStart(7),
);
const baseCpu = median(cpuTimes['node hello.cjs']!);
for (const [name, values] of Object.entries(times)) {
  const m = median(values);
  console.log(
    name.padEnd(52),
    m.toFixed(1).padStart(10),
    Math.min(...values)
      .toFixed(1)
      .padStart(8),
    Math.max(...values)
      .toFixed(1)
      .padStart(8),
    `${(m / base).toFixed(2)}×`.padStart(7),
    median(cpuTimes[name]!).toFixed(0).padStart(8),
    `${(median(cpuTimes[name]!) / baseCpu).toFixed(2)}×`.padStart(7),
  );
}
console.log(
  `preload overhead (median, -r): ${(median(times['node -r @tracetail/otel/register hello.cjs']!) - base).toFixed(1)} ms wall, ` +
    `${(median(cpuTimes['node -r @tracetail/otel/register hello.cjs']!) - baseCpu).toFixed(0)} ms CPU`,
);
