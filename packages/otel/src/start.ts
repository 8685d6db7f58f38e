// Starts the preload once per process. Everything here is wrapped so that nothing can throw into
// the host: on any failure the app runs uninstrumented and one line on stderr says why.
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { loadConfig, type TracetailConfig } from './config.ts';
import { setSdkState } from './health.ts';
import { internalLog } from './internal-log.ts';
import type * as Sdk from './sdk.ts';
import type { RunningSdk } from './sdk.ts';
import { installShutdownHandlers } from './shutdown.ts';

export type PreloadEntry = 'require' | 'import' | 'api';

export interface PreloadState {
  readonly entry: PreloadEntry;
  readonly sdk: RunningSdk | undefined;
  readonly shutdown: () => Promise<void>;
  readonly startupMs: number;
}

const kPreload = Symbol.for('tracetail.otel.preload');
const globalStore = globalThis as unknown as Record<symbol, PreloadState | 'starting' | undefined>;

/** The running preload, if any (also when started by another copy of this package). */
export function preloadState(): PreloadState | undefined {
  const state = globalStore[kPreload];
  return state === 'starting' ? undefined : state;
}

/** The command this process runs, as matched against TRACETAIL_EXCLUDE_COMMANDS. */
export function commandName(argv1: string | undefined = process.argv[1]): string {
  if (argv1 === undefined || argv1 === '') return 'node';
  const base = basename(argv1, extname(argv1));
  // npm runs bin/npm-cli.js, npx bin/npx-cli.js, pnpm bin/pnpm.cjs, yarn bin/yarn.js
  return base.replace(/-cli$/, '');
}

function why(config: TracetailConfig): string | undefined {
  if (!isMainThread) return 'worker thread (the main thread is instrumented already)';
  if (config.sdkDisabled) return 'OTEL_SDK_DISABLED=true';
  const command = commandName();
  if (config.excludeCommands.includes(command))
    return `command "${command}" is in TRACETAIL_EXCLUDE_COMMANDS`;
  return undefined;
}

// The SDK modules are loaded only when the preload actually starts: a disabled, excluded or
// worker-thread process pays for config parsing and nothing else.
const requireFromHere = createRequire(import.meta.url);

const noop = async (): Promise<void> => {};

/**
 * Starts tracing, metrics and health once. A second call (the preload given twice, or `-r` and
 * `--import` together, or two copies of the package) is a no-op that returns the first state.
 */
export function startPreload(entry: PreloadEntry): PreloadState | undefined {
  const existing = globalStore[kPreload];
  if (existing !== undefined) {
    if (existing !== 'starting')
      internalLog.debug(`already started via ${existing.entry}; ignoring ${entry}`);
    return existing === 'starting' ? undefined : existing;
  }
  globalStore[kPreload] = 'starting';
  const started = process.hrtime.bigint();
  let state: PreloadState;
  try {
    const config = loadConfig();
    const reason = why(config);
    if (reason !== undefined) {
      internalLog.debug(`not instrumenting this process: ${reason}`);
      setSdkState('disabled');
      state = { entry, sdk: undefined, shutdown: noop, startupMs: 0 };
    } else {
      // Extension modules register their hooks when imported (see preload-extensions.ts).
      requireFromHere('./preload-extensions.js');
      const extensionsLoaded = process.hrtime.bigint();
      const { startSdk } = requireFromHere('./sdk.js') as typeof Sdk;
      const sdkLoaded = process.hrtime.bigint();
      internalLog.debug(
        `extension modules loaded in ${(Number(extensionsLoaded - started) / 1e6).toFixed(1)} ms, ` +
          `SDK modules in ${(Number(sdkLoaded - extensionsLoaded) / 1e6).toFixed(1)} ms`,
      );
      const sdk = startSdk(config);
      const shutdown = installShutdownHandlers({
        timeoutMs: config.shutdownTimeoutMs,
        shutdownSdk: () => sdk.shutdown(),
      });
      const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
      internalLog.debug(`preload (${entry}) start-up cost ${startupMs.toFixed(1)} ms`);
      state = { entry, sdk, shutdown, startupMs };
    }
  } catch (error) {
    setSdkState('failed');
    internalLog.error(
      `could not start; the app runs without telemetry: ${error instanceof Error ? error.stack : String(error)}`,
    );
    state = { entry, sdk: undefined, shutdown: noop, startupMs: 0 };
  }
  globalStore[kPreload] = state;
  return state;
}
