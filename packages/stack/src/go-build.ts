import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ObtainError, PrerequisiteError } from './errors.ts';
import { readLogTail } from './log-tail.ts';
import { cacheRoot } from './paths.ts';
import { requireGo } from './prerequisites.ts';
import { runLogged } from './run-command.ts';

/** Environment for every Go step: local toolchain only, module and build caches outside the repo. */
export function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Two compile jobs at most: CI machines have two cores and run other work beside the build.
  const parallel = Math.max(1, Math.min(2, availableParallelism()));
  return {
    ...process.env,
    GOTOOLCHAIN: 'local',
    GOMODCACHE: process.env.TRACETAIL_GOMODCACHE ?? join(cacheRoot(), 'go', 'mod'),
    GOCACHE: process.env.TRACETAIL_GOCACHE ?? join(cacheRoot(), 'go', 'build'),
    GOFLAGS: `-p=${parallel} -buildvcs=false`,
    CGO_ENABLED: '0',
    ...extra,
  };
}

const unreachable =
  /dial tcp|no such host|connection refused|i\/o timeout|TLS handshake timeout|403 Forbidden/;

/** Runs a go command; a failure caused by the module proxy becomes one clear prerequisite message. */
export async function runGo(
  args: readonly string[],
  opts: { cwd: string; logFile: string; what: string; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const go = requireGo();
  try {
    await runLogged(go, args, {
      cwd: opts.cwd,
      logFile: opts.logFile,
      what: opts.what,
      env: opts.env ?? goEnv(),
    });
  } catch (error) {
    const tail = readLogTail(opts.logFile, 30);
    if (error instanceof ObtainError && unreachable.test(tail)) {
      throw new PrerequisiteError(
        `${opts.what} needs the Go module proxy (${process.env.GOPROXY ?? 'GOPROXY default: proxy.golang.org'}) ` +
          'and could not fetch a module from it. Check the network or set GOPROXY to a reachable proxy. ' +
          `Details: ${opts.logFile}\n${tail}`,
        { cause: error },
      );
    }
    throw error;
  }
}
