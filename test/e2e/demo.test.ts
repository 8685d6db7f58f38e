// `npm run demo -- --duration 20` (its scripts/demo.ts entry): runs the pipeline on the real backends,
// prints lookups that it has checked, exits 0, and leaves no process, port, target file or work dir.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type BackendName,
  defaultStackDir,
  type RunningBackend,
  stackStatus,
  startStack,
  stopStack,
  useSharedStack,
} from '@tracetail/stack';
import { isAlive, isPortFree, prometheusTargetDirs, REPO } from '../../scripts/pipeline.ts';

const BACKENDS: BackendName[] = ['jaeger', 'loki', 'elasticsearch', 'collector', 'prometheus'];
const DURATION_SECONDS = 20;

let ownStackDir: string | undefined;
let prometheusUrl: string;
const childEnv: Record<string, string> = {};

before(async () => {
  // The demo reuses the test run's stack (TRACETAIL_STACK_DIR) or one left up by `npm run stack -- up`;
  // run alone without either, this file starts one for it, as the test run would.
  if ((process.env.TRACETAIL_STACK_DIR ?? '') !== '') {
    prometheusUrl = (await useSharedStack(BACKENDS)).prometheus.url;
    return;
  }
  const cli = await stackStatus(defaultStackDir());
  const prometheus = cli.find((s) => s.name === 'prometheus' && s.healthy);
  if (BACKENDS.every((name) => cli.some((s) => s.name === name && s.healthy)) && prometheus) {
    prometheusUrl = prometheus.url;
    return;
  }
  ownStackDir = mkdtempSync(join(tmpdir(), 'tracetail-demo-test-'));
  const running: Record<string, RunningBackend> = await startStack(
    ownStackDir,
    BACKENDS,
    'auto',
    process.pid,
  );
  prometheusUrl = running.prometheus!.url;
  childEnv.TRACETAIL_STACK_DIR = ownStackDir;
  childEnv.TRACETAIL_STACK_OWNER = String(process.pid);
});

after(async () => {
  if (ownStackDir !== undefined) {
    await stopStack(ownStackDir);
    rmSync(ownStackDir, { recursive: true, force: true });
  }
});

interface DemoRun {
  readonly code: number | null;
  readonly out: string;
  readonly seconds: number;
  readonly sawTarget: boolean;
}

/** Runs scripts/demo.ts in its own process group; `interruptOn` sends SIGINT to it like Ctrl-C does. */
async function runDemo(args: string[], serviceName: string, interruptOn?: RegExp): Promise<DemoRun> {
  const targets = await prometheusTargetDirs(prometheusUrl);
  const child = spawn(process.execPath, ['scripts/demo.ts', ...args, '--service-name', serviceName], {
    cwd: REPO,
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let interrupted = false;
  const collect = (c: Buffer) => {
    out += c.toString();
    if (interruptOn !== undefined && !interrupted && interruptOn.test(out)) {
      interrupted = true;
      process.kill(-child.pid!, 'SIGINT'); // what a terminal sends to its foreground group
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  // While it runs, the service is a Prometheus target.
  let sawTarget = false;
  const watcher = setInterval(() => {
    if (existsSync(join(targets.services, `${serviceName}.yml`))) sawTarget = true;
  }, 250);
  const started = Date.now();
  try {
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, out, seconds: (Date.now() - started) / 1000, sawTarget };
  } finally {
    clearInterval(watcher);
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
}

async function assertNothingLeft(
  out: string,
  serviceName: string,
  tailerTargetsBefore: string,
): Promise<void> {
  const targets = await prometheusTargetDirs(prometheusUrl);
  const stopped = /demo stopped: (\{.*\})/.exec(out)?.[1];
  assert.ok(stopped, out);
  const { pids, ports } = JSON.parse(stopped) as { pids: number[]; ports: number[] };
  assert.equal(pids.length, 3, 'service, tailer and traffic client');
  for (const pid of pids) {
    assert.equal(isAlive(pid), false, `process ${pid} is still running`);
    assert.equal(isAlive(-pid), false, `process group ${pid} still has members`);
  }
  for (const port of ports) assert.ok(await isPortFree(port), `port ${port} is still taken`);
  assert.equal(existsSync(join(targets.services, `${serviceName}.yml`)), false, 'target file left behind');
  assert.equal(readFileSync(targets.tailer, 'utf8'), tailerTargetsBefore, 'tailer targets not restored');
  const workDir = /TRACETAIL_LOG_FILE=(\S+)\/logs\/app\.log/.exec(out)?.[1];
  assert.ok(workDir !== undefined && !existsSync(workDir), `work dir ${workDir} left behind`);
  // The example service's own CommonJS build: nothing is compiled at run time.
  assert.match(out, /node -r @tracetail\/otel\/register packages\/example-mcp\/dist\/server\.js\n/);
}

test(`the demo runs for ${DURATION_SECONDS} s, prints checked lookups, exits 0 and leaves nothing behind`, {
  timeout: 180_000,
}, async (t) => {
  const serviceName = `demo-test-${randomBytes(4).toString('hex')}`;
  const tailerTargetsBefore = readFileSync((await prometheusTargetDirs(prometheusUrl)).tailer, 'utf8');
  const { code, out, seconds, sawTarget } = await runDemo(
    ['--duration', String(DURATION_SECONDS)],
    serviceName,
  );

  for (const line of out.split('\n').filter((l) => / after \d/.test(l))) t.diagnostic(line);
  t.diagnostic(`demo exited after ${seconds.toFixed(1)} s`);
  assert.equal(code, 0, out);
  assert.ok(seconds >= DURATION_SECONDS, `exited after ${seconds} s`);
  assert.ok(sawTarget, 'the service was never listed in the Prometheus targets');
  const correlationId = /x-correlation-id: (demo-[0-9a-f-]{36})/.exec(out)?.[1];
  const traceId = /trace id: +([0-9a-f]{32})/.exec(out)?.[1];
  assert.ok(correlationId && traceId, out);
  assert.match(out, /node -r @tracetail\/otel\/register \S+server\.js/);
  assert.match(out, new RegExp(`\\{service_name="${serviceName}"\\} \\| trace_id="${traceId}"`));
  assert.match(out, new RegExp(`\\{stream="audit"\\} \\| correlation_id="${correlationId}"`));
  assert.match(out, new RegExp(`tracetail audit query --correlation-id ${correlationId}`));
  assert.match(out, /\/api\/traces\/[0-9a-f]{32}/);
  // The demo checked these before printing them.
  assert.match(out, /\(found: the trace is there\)/);
  assert.match(out, /\(found: 4 events in Elasticsearch/);
  await assertNothingLeft(out, serviceName, tailerTargetsBefore);
});

test('Ctrl-C stops the demo cleanly: exit 0, nothing left behind', { timeout: 180_000 }, async (t) => {
  const serviceName = `demo-test-${randomBytes(4).toString('hex')}`;
  const tailerTargetsBefore = readFileSync((await prometheusTargetDirs(prometheusUrl)).tailer, 'utf8');
  const { code, out, seconds, sawTarget } = await runDemo([], serviceName, /Running until Ctrl-C/);
  t.diagnostic(`demo exited ${seconds.toFixed(1)} s after its start`);
  assert.equal(code, 0, out);
  assert.ok(sawTarget, 'the service was never listed in the Prometheus targets');
  assert.match(out, /Stopping …/);
  await assertNothingLeft(out, serviceName, tailerTargetsBefore);
});
