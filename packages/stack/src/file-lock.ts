import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `critical` holding an exclusive lock file, so two test runs (or a test and `stack up`) never
 * build the same backend or edit the same state file at once. A lock whose holder died is taken over.
 */
export async function withFileLock<T>(lockFile: string, critical: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, { encoding: 'utf8', flag: 'r' }) || '0');
      if (holder !== 0 && !isAlive(holder)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      await sleep(250);
    }
  }
  try {
    return await critical();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
