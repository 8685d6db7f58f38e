// The whole tracetail pipeline around one service, as a user would run it: the example MCP service
// under the preload (`node -r @tracetail/otel/register`), writing its JSON log file and audit trail in
// a work dir; the tailer shipping both to Loki and Elasticsearch; optionally the traffic client.
// Used by `npm run demo` and the end-to-end tests. Every child runs in its own process group, so
// stop() (or the exit hook, if the caller dies first) takes down everything it spawned.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parse, stringify } from 'yaml';

export const REPO = resolve(import.meta.dirname, '..');
const NODE = process.execPath;
/**
 * The V8 flags of the `tracetail-tail` bin's shebang (`#!/usr/bin/env -S node --flag …`): launching it
 * with plain `node` would lose them, so they are read from the shebang to stay in step with the bin.
 */
function tailerNodeFlags(): string[] {
  const shebang = readFileSync(join(REPO, 'packages/tailer/src/cli.ts'), 'utf8').split('\n', 1)[0] ?? '';
  return shebang.split(/\s+/).filter((word) => word.startsWith('--'));
}
/** The example MCP service's CommonJS build (its package.json has no "type"), which `-r` instruments. */
const SERVICE_ENTRY = 'packages/example-mcp/dist/server.js';
const REQUIRED_BUILDS = [
  'packages/otel/dist/register-require.cjs',
  SERVICE_ENTRY,
  'packages/otel/dist/cli/main.js',
  'packages/tailer/dist/cli.js',
  'packages/example-mcp/dist/client.js',
];

export interface BackendUrls {
  /** The Collector's OTLP/HTTP base URL (the service exports spans there). */
  readonly collector: string;
  readonly loki: string;
  readonly elasticsearch: string;
  /** When given, the service (and with `registerTailer`, the tailer) is added to its file_sd targets. */
  readonly prometheus?: string;
}

export interface TrafficOptions {
  readonly rate: number;
  /** Seconds; 0 runs until stop(). */
  readonly durationSeconds: number;
  readonly sessions?: number;
}

export interface PipelineOptions {
  readonly backends: BackendUrls;
  /** OTEL_SERVICE_NAME, also the Loki `service_name` label and the Prometheus `job`. */
  readonly serviceName?: string;
  /**
   * How the preload is given to the example service (which builds to CommonJS, so both instrument all
   * of it): 'require' (default), `node -r @tracetail/otel/register`; 'import', `--import`.
   */
  readonly preload?: 'require' | 'import';
  readonly traffic?: TrafficOptions;
  /**
   * Bench containers to spawn through MCP once the service is up (the traffic client has no container
   * scenario), as a client would: `bench.spawn` for each image, then `bench.kill` for the first `kill`
   * of them. The dashboards' container panels need them for data.
   */
  readonly benchContainers?: BenchContainerOptions;
  /**
   * Also list the tailer in the Prometheus `tailer` job. That job has one targets file, so only one
   * pipeline per Prometheus should: the demo, or a test with a Prometheus of its own.
   */
  readonly registerTailer?: boolean;
  /** Where the child processes' output goes; they are written to files in the work dir by default. */
  readonly onOutput?: (source: string, text: string) => void;
}

export interface BenchContainerOptions {
  readonly images: readonly string[];
  /** How many of the spawned containers (the first ones) to kill again; 0 by default. */
  readonly kill?: number;
}

export interface TrafficSummary {
  readonly calls: number;
  readonly correlationIds: string[];
  readonly errors: number;
}

export interface Pipeline {
  readonly serviceName: string;
  readonly workDir: string;
  readonly logFile: string;
  readonly auditDir: string;
  readonly tailerConfig: string;
  readonly mcpUrl: string;
  readonly metricsUrl: string;
  readonly tailerMetricsUrl: string;
  /** The command line the service was started with (what a user types). */
  readonly serviceCommand: string;
  /** Process group ids of every child still running (services, tailer, traffic). */
  readonly pids: () => number[];
  readonly ports: readonly number[];
  /** Resolves with the traffic client's summary when it ends (undefined without traffic). */
  readonly traffic: Promise<TrafficSummary> | undefined;
  /** Stops traffic, service and tailer (the tailer last, after the files stopped growing). */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

export async function isPortFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch {
    return false;
  }
  server.close();
  await once(server, 'close');
  return true;
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A child in its own process group; its output goes to a file and, optionally, to `onOutput`. */
class Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly #output: string[] = [];

  constructor(
    name: string,
    args: string[],
    env: Record<string, string>,
    logFile: string,
    onOutput?: (source: string, text: string) => void,
  ) {
    this.name = name;
    this.process = spawn(NODE, args, {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      this.#output.push(text);
      onOutput?.(name, text);
    };
    this.process.stdout?.on('data', collect);
    this.process.stderr?.on('data', collect);
    this.process.on('error', (error) => this.#output.push(`${name}: ${error.message}\n`));
    this.exited = new Promise((res) => {
      this.process.on('close', (code) => {
        writeFileSync(logFile, this.#output.join(''));
        res(code);
      });
    });
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  output(): string {
    return this.#output.join('');
  }

  killGroupNow(): void {
    if (this.running && this.process.pid !== undefined) {
      try {
        process.kill(-this.process.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`: the preload flushes within 5 s of SIGTERM. */
  async stop(graceMs = 8000): Promise<void> {
    const pid = this.process.pid;
    if (pid === undefined) return;
    if (this.running) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => this.killGroupNow(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // Anything the child left in its group (none expected) goes too.
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is empty
    }
  }
}

const liveChildren = new Set<Child>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.killGroupNow();
  });
}

function checkBuilt(): void {
  const missing = REQUIRED_BUILDS.filter((file) => !existsSync(join(REPO, file)));
  if (missing.length > 0)
    throw new Error(`${missing.join(', ')} missing: run \`npm run build\` first (npm run demo does)`);
}

/** The directory Prometheus reads service targets from (its `services` job's file_sd glob). */
export async function prometheusTargetDirs(
  prometheusUrl: string,
): Promise<{ services: string; tailer: string }> {
  const response = await fetch(`${prometheusUrl}/api/v1/status/config`);
  const body = (await response.json()) as { data: { yaml: string } };
  const config = parse(body.data.yaml) as {
    scrape_configs: { job_name: string; file_sd_configs?: { files: string[] }[] }[];
  };
  const file = (job: string): string => {
    const found = config.scrape_configs.find((c) => c.job_name === job)?.file_sd_configs?.[0]?.files[0];
    if (found === undefined) throw new Error(`Prometheus at ${prometheusUrl} has no file_sd job "${job}"`);
    return found;
  };
  return { services: dirname(file('services')), tailer: file('tailer') };
}

function traceFlagsHeader(traceId: string): string {
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

export interface ProbeResult {
  readonly correlationId: string;
  readonly traceId: string;
  /** The tools called, in order. */
  readonly tools: readonly string[];
}

/**
 * One MCP session with a known `x-correlation-id` and a W3C `traceparent` we chose, so its trace,
 * log lines and audit events can be looked up by ids known in advance: sandbox.exec (audited as
 * exec.start) and bench.write_file (fs.write), each also a tool.call audit event.
 */
export async function probe(mcpUrl: string, label = 'probe'): Promise<ProbeResult> {
  const correlationId = `${label}-${randomUUID()}`;
  const traceId = randomBytes(16).toString('hex');
  const client = new Client({ name: 'tracetail-probe', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
    requestInit: {
      headers: { 'x-correlation-id': correlationId, traceparent: traceFlagsHeader(traceId) },
    },
  });
  await client.connect(transport);
  const tools = ['sandbox.exec', 'bench.write_file'];
  try {
    const exec = await client.callTool({ name: 'sandbox.exec', arguments: { expression: '6 * 7' } });
    if (exec.isError) throw new Error(`sandbox.exec failed: ${JSON.stringify(exec.content)}`);
    const write = await client.callTool({
      name: 'bench.write_file',
      arguments: { path: `${label}/${correlationId}.txt`, content: 'written by the tracetail probe\n' },
    });
    if (write.isError) throw new Error(`bench.write_file failed: ${JSON.stringify(write.content)}`);
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
  return { correlationId, traceId, tools };
}

/** `bench.spawn` for each image, then `bench.kill` for the first `kill` containers; their ids. */
async function spawnBenchContainers(mcpUrl: string, opts: BenchContainerOptions): Promise<string[]> {
  const client = new Client({ name: 'tracetail-bench-containers', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
  await client.connect(transport);
  const spawned: string[] = [];
  try {
    for (const image of opts.images) {
      const result = await client.callTool({ name: 'bench.spawn', arguments: { image } });
      const content = result.content as { type: string; text: string }[];
      if (result.isError) throw new Error(`bench.spawn ${image} failed: ${JSON.stringify(content)}`);
      spawned.push((JSON.parse(content[0]?.text ?? '{}') as { container_id: string }).container_id);
    }
    for (const containerId of spawned.slice(0, opts.kill ?? 0)) {
      const result = await client.callTool({ name: 'bench.kill', arguments: { container_id: containerId } });
      if (result.isError)
        throw new Error(`bench.kill ${containerId} failed: ${JSON.stringify(result.content)}`);
    }
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
  return spawned;
}

export async function startPipeline(opts: PipelineOptions): Promise<Pipeline> {
  checkBuilt();
  hookExit();
  const serviceName = opts.serviceName ?? 'example-mcp';
  const preload = opts.preload ?? 'require';
  const workDir = mkdtempSync(join(tmpdir(), 'tracetail-pipeline-'));
  for (const dir of ['logs', 'audit', 'scratch', 'state']) mkdirSync(join(workDir, dir));
  const logFile = join(workDir, 'logs/app.log');
  const auditDir = join(workDir, 'audit');
  const children: Child[] = [];
  const cleanups: (() => void)[] = [];
  const start = (name: string, args: string[], env: Record<string, string> = {}): Child => {
    const child = new Child(name, args, env, join(workDir, `${name}.out`), opts.onOutput);
    children.push(child);
    liveChildren.add(child);
    void child.exited.then(() => liveChildren.delete(child));
    return child;
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Traffic first, then the service (it flushes its spans, logs and audit on SIGTERM), then give the
    // tailer a moment to read the last lines before it stops too.
    const byName = (name: string) => children.filter((c) => c.name === name);
    await Promise.all(byName('traffic').map((c) => c.stop()));
    await Promise.all(byName('service').map((c) => c.stop()));
    if (byName('tailer').some((c) => c.running)) await sleep(1500);
    await Promise.all(children.map((c) => c.stop()));
    for (const cleanup of cleanups.reverse()) cleanup();
    if (process.env.TRACETAIL_KEEP_WORK === '1') opts.onOutput?.('pipeline', `kept ${workDir}\n`);
    else rmSync(workDir, { recursive: true, force: true });
  };

  try {
    const [mcpPort, metricsPort, tailerPort] = [await freePort(), await freePort(), await freePort()];
    const preloadArgs =
      preload === 'require' ? ['-r', '@tracetail/otel/register'] : ['--import', '@tracetail/otel/register'];
    const service = start('service', [...preloadArgs, SERVICE_ENTRY], {
      PORT: String(mcpPort),
      OTEL_SERVICE_NAME: serviceName,
      OTEL_EXPORTER_OTLP_ENDPOINT: opts.backends.collector,
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      OTEL_BSP_SCHEDULE_DELAY: '200',
      TRACETAIL_LOG_FILE: logFile,
      TRACETAIL_LOG_STDOUT: 'false',
      TRACETAIL_AUDIT_FILE: join(auditDir, 'audit.jsonl'),
      EXAMPLE_SCRATCH_DIR: join(workDir, 'scratch'),
    });
    const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitUntil(
      `the example MCP service on :${mcpPort}`,
      async () => {
        if (!service.running) throw new Error(`the service exited:\n${service.output()}`);
        return (await fetch(`http://127.0.0.1:${mcpPort}/healthz`)).ok;
      },
      30_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${service.output()}`);
    });

    const tailerConfig = join(workDir, 'tailer.yaml');
    writeFileSync(
      tailerConfig,
      stringify({
        inputs: [
          { name: 'app', paths: [join(workDir, 'logs/*.log')], stream: 'app' },
          { name: 'audit', paths: [join(auditDir, '*.jsonl')], stream: 'audit' },
        ],
        sinks: {
          loki: { url: opts.backends.loki, batch: { maxWaitMs: 250 } },
          elasticsearch: { url: opts.backends.elasticsearch, batch: { maxWaitMs: 250 } },
        },
        checkpoint: { path: join(workDir, 'state/checkpoint.json') },
        server: { port: tailerPort },
      }),
    );
    const tailer = start('tailer', [
      ...tailerNodeFlags(),
      'packages/tailer/dist/cli.js',
      '--config',
      tailerConfig,
    ]);
    const tailerMetricsUrl = `http://127.0.0.1:${tailerPort}/metrics`;
    await waitUntil(
      `the tailer's /metrics on :${tailerPort}`,
      async () => {
        if (!tailer.running) throw new Error(`the tailer exited:\n${tailer.output()}`);
        return (await fetch(tailerMetricsUrl)).ok;
      },
      30_000,
    );

    if (opts.backends.prometheus !== undefined) {
      const targets = await prometheusTargetDirs(opts.backends.prometheus);
      const serviceTargets = join(targets.services, `${serviceName}.yml`);
      writeFileSync(
        serviceTargets,
        stringify([{ targets: [`127.0.0.1:${metricsPort}`], labels: { service: serviceName } }]),
      );
      cleanups.push(() => rmSync(serviceTargets, { force: true }));
      if (opts.registerTailer) {
        const previous = existsSync(targets.tailer) ? readFileSync(targets.tailer, 'utf8') : '[]\n';
        writeFileSync(targets.tailer, stringify([{ targets: [`127.0.0.1:${tailerPort}`] }]));
        cleanups.push(() => writeFileSync(targets.tailer, previous));
      }
    }

    let traffic: Promise<TrafficSummary> | undefined;
    if (opts.traffic !== undefined) {
      const client = start('traffic', [
        'packages/example-mcp/dist/client.js',
        '--url',
        mcpUrl,
        '--rate',
        String(opts.traffic.rate),
        '--duration',
        String(opts.traffic.durationSeconds),
        '--sessions',
        String(opts.traffic.sessions ?? 2),
      ]);
      traffic = client.exited.then((code) => {
        const out = client.output().trim();
        if (code !== 0 && code !== null) throw new Error(`the traffic client exited with ${code}:\n${out}`);
        return JSON.parse(out.split('\n').at(-1) ?? '{}') as TrafficSummary;
      });
      traffic.catch(() => {});
    }
    if (opts.benchContainers !== undefined) await spawnBenchContainers(mcpUrl, opts.benchContainers);

    return {
      serviceName,
      workDir,
      logFile,
      auditDir,
      tailerConfig,
      mcpUrl,
      metricsUrl,
      tailerMetricsUrl,
      serviceCommand: `OTEL_SERVICE_NAME=${serviceName} TRACETAIL_LOG_FILE=${logFile} TRACETAIL_AUDIT_FILE=${join(auditDir, 'audit.jsonl')} node ${preloadArgs.join(' ')} ${SERVICE_ENTRY}`,
      pids: () => children.filter((c) => c.running).map((c) => c.process.pid ?? 0),
      ports: [mcpPort, metricsPort, tailerPort],
      traffic,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `tracetail audit query --correlation-id <id> <dir>` (the otel package's CLI) as JSON lines. */
export function auditQueryCommand(correlationId: string, auditDir: string): string[] {
  return [
    join(REPO, 'packages/otel/dist/cli/main.js'),
    'audit',
    'query',
    '--correlation-id',
    correlationId,
    auditDir,
  ];
}
