// Starts a fixture app as a real child process with the preload, the way users start theirs.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const BUILT_ENTRY = resolve(import.meta.dirname, '../../dist/register.js');

export interface AppProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Port of /metrics and /health/*, or undefined when the preload did not start the server. */
  readonly metricsPort: number | undefined;
  stdoutLines(): string[];
  stderr(): string;
  /** Resolves with how the process ended. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export interface StartOptions {
  /** Fixture file name under test/fixtures. */
  readonly file: string;
  /** How the preload is given: `-r`, `--import`, or not at all. */
  readonly preload: '-r' | '--import' | 'none';
  readonly env?: Record<string, string | undefined>;
  /** Wait for the metrics line on stderr too (needs OTEL_LOG_LEVEL=info or lower). */
  readonly waitForMetrics?: boolean;
  readonly timeoutMs?: number;
  /** The `node` to run (default: the one running the tests). */
  readonly nodeBinary?: string;
}

export async function startApp(options: StartOptions): Promise<AppProcess> {
  // The fixtures load the package by name, i.e. its built dist/, as users do.
  if (!existsSync(BUILT_ENTRY)) throw new Error(`${BUILT_ENTRY} is missing: run \`npx tsc --build\` first`);
  const args =
    options.preload === 'none' ? [options.file] : [options.preload, '@tracetail/otel/register', options.file];
  const child = spawn(options.nodeBinary ?? process.execPath, args, {
    cwd: FIXTURES,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      OTEL_LOG_LEVEL: 'info',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exitedPromise = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let port: number | undefined;
  let metricsPort: number | undefined;
  for (;;) {
    port ??= Number(/LISTENING (\d+)/.exec(stderr)?.[1]) || undefined;
    metricsPort ??= Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1]) || undefined;
    if (port !== undefined && (metricsPort !== undefined || options.waitForMetrics === false)) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `app did not start (port ${port}, metrics ${metricsPort}); stderr:\n${stderr}\nstdout:\n${stdout}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    child,
    port,
    metricsPort,
    stdoutLines: () => stdout.split('\n').filter((line) => line.trim() !== ''),
    stderr: () => stderr,
    exited: () => exitedPromise,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
  };
}

export async function getText(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text() };
}
