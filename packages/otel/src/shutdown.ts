// Flush on the way out without changing how the process exits.
//
// - SIGTERM / SIGINT: if our listener is the only one, Node would have terminated the process by
//   signal; we flush (bounded by the deadline), remove our listener and re-raise the signal, so the
//   exit status is still "killed by SIGTERM" (143 in a shell). If the app has its own listener, we
//   only flush: the app decides when and how to exit.
// - beforeExit (the loop ran dry): flush, bounded by the deadline. If an unreachable Collector
//   still holds sockets open at the deadline, exit with the code the process was going to use.
import { extensions } from './extensions.ts';
import { setSdkState } from './health.ts';
import { internalLog } from './internal-log.ts';

export type FlushFn = () => Promise<void>;

export interface ShutdownOptions {
  readonly timeoutMs: number;
  /** Flushes and shuts down the SDK (spans, metrics). */
  readonly shutdownSdk: FlushFn;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Resolves after `work` or after `timeoutMs`, whichever is first; never rejects. */
export async function withDeadline(work: Promise<unknown>, timeoutMs: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([
      work.then(
        () => 'done' as const,
        () => 'done' as const,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function runShutdownTasks(): Promise<void> {
  await Promise.all(
    extensions.shutdownTasks.map(async (task) => {
      try {
        await task();
      } catch (error) {
        internalLog.once('warn', 'shutdown-task', `a shutdown task failed: ${String(error)}`);
      }
    }),
  );
}

export function installShutdownHandlers(options: ShutdownOptions): () => Promise<void> {
  let shutdownPromise: Promise<'done' | 'timeout'> | undefined;

  const shutdown = (): Promise<'done' | 'timeout'> => {
    if (shutdownPromise === undefined) {
      setSdkState('shutting_down');
      const started = Date.now();
      const work = Promise.all([runShutdownTasks(), options.shutdownSdk().catch(() => undefined)]);
      shutdownPromise = withDeadline(work, options.timeoutMs).then((outcome) => {
        setSdkState('stopped');
        if (outcome === 'timeout') {
          internalLog.warn(`telemetry flush did not finish within ${options.timeoutMs} ms; exiting anyway`);
        } else {
          internalLog.debug(`telemetry flushed in ${Date.now() - started} ms`);
        }
        return outcome;
      });
    }
    return shutdownPromise;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    // Counted now, not at install time: the app may have added its own handler since.
    const othersListening = process.listenerCount(signal) > 1;
    shutdown().then(
      () => {
        if (othersListening) return;
        for (const s of SIGNALS) process.removeListener(s, onSignal);
        process.removeListener('beforeExit', onBeforeExit);
        // Re-raise with the default disposition so the process ends exactly as it would have.
        process.kill(process.pid, signal);
      },
      () => undefined,
    );
  };

  let beforeExitSeen = false;
  const onBeforeExit = (): void => {
    if (beforeExitSeen) return;
    beforeExitSeen = true;
    shutdown().then(
      (outcome) => {
        if (outcome === 'timeout') {
          // Sockets to a dead Collector would keep the loop alive past the deadline. This is the
          // exit that was about to happen anyway, with the same code.
          process.exit();
        }
      },
      () => undefined,
    );
  };

  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);

  return async () => {
    await shutdown();
  };
}
