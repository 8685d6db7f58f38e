import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from './paths.ts';
import { isGroupAlive, stopGroup } from './process-group.ts';
import { report } from './progress.ts';

// A backend started for a test outlives its owner if the owner is SIGKILLed (a hung test file, an
// OOM kill), since it runs in its own process group. Each such backend is registered with the pid that
// owns it; whoever starts backends next (and every test run, at its start and end) stops those whose
// owner is gone. `npm run stack -- up` registers nothing: its backends are meant to outlive it.

interface OwnedGroup {
  readonly pgid: number;
  readonly ownerPid: number;
  readonly name: string;
  readonly command: string;
  /** A temp data dir the launcher made for this backend, removed once its owner is gone. */
  readonly disposableDir?: string;
}

function registryDir(): string {
  return join(cacheRoot(), 'owned');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The group leader still runs what we started (pids are reused). */
function stillOurs(entry: OwnedGroup): boolean {
  try {
    return readFileSync(`/proc/${entry.pgid}/cmdline`, 'utf8').split('\0')[0] === entry.command;
  } catch {
    return isGroupAlive(entry.pgid);
  }
}

export function registerOwned(entry: OwnedGroup): void {
  mkdirSync(registryDir(), { recursive: true });
  writeFileSync(join(registryDir(), `${entry.pgid}.json`), JSON.stringify(entry));
}

export function unregisterOwned(pgid: number): void {
  rmSync(join(registryDir(), `${pgid}.json`), { force: true });
}

/** Stops every registered backend whose owner process has died. */
export async function reapOrphans(): Promise<void> {
  let files: string[];
  try {
    files = readdirSync(registryDir());
  } catch {
    return;
  }
  for (const file of files) {
    const path = join(registryDir(), file);
    let entry: OwnedGroup;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as OwnedGroup;
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (isAlive(entry.ownerPid)) continue;
    if (isGroupAlive(entry.pgid) && stillOurs(entry)) {
      report(
        `stopping ${entry.name} (pid ${entry.pgid}): the process that started it (${entry.ownerPid}) is gone`,
      );
      await stopGroup(entry.pgid, 15_000);
    }
    if (entry.disposableDir !== undefined) rmSync(entry.disposableDir, { recursive: true, force: true });
    rmSync(path, { force: true });
  }
}
