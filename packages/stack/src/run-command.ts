import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ObtainError } from './errors.ts';
import { indent, readLogTail } from './log-tail.ts';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here; the error on failure quotes its tail. */
  readonly logFile: string;
  /** What the step is, for the error message ("building loki 3.7.6"). */
  readonly what: string;
}

/** Runs a command to completion with its output in a log file; rejects with the log tail on failure. */
export async function runLogged(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<void> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    const code = await new Promise<number | string>((resolvePromise, reject) => {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', fd, fd],
      });
      child.once('error', reject);
      child.once('exit', (exitCode, signal) => resolvePromise(exitCode ?? signal ?? 'unknown'));
    });
    if (code !== 0) {
      throw new ObtainError(
        `${options.what} failed (${command} exited with ${code}); last lines of ${options.logFile}:\n` +
          indent(readLogTail(options.logFile, 30)),
      );
    }
  } catch (error) {
    if (error instanceof ObtainError) throw error;
    throw new ObtainError(`${options.what}: cannot run ${command}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    closeSync(fd);
  }
}
