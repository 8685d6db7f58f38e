// Finds the files an input's globs match. The periodic sweep (glob + stat) is the truth; chokidar
// events only make us look sooner, because watchers miss events (NFS, overlay, inotify limits).
import type { Stats } from 'node:fs';
import { glob, stat } from 'node:fs/promises';
import { matchesGlob, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { InputConfig } from '../config/types.ts';

export interface FoundFile {
  readonly path: string;
  readonly input: InputConfig;
  readonly stats: Stats;
}

const globChars = /[*?[\]{}]/;

/** The directory part of a pattern before its first glob character: what chokidar must watch. */
export function globBase(pattern: string): { base: string; depth: number | undefined } {
  const parts = pattern.split(sep);
  const firstGlob = parts.findIndex((p) => globChars.test(p));
  if (firstGlob === -1) return { base: parts.slice(0, -1).join(sep) || sep, depth: 0 };
  const rest = parts.slice(firstGlob);
  return {
    base: parts.slice(0, firstGlob).join(sep) || sep,
    depth: rest.includes('**') ? undefined : rest.length - 1,
  };
}

export function inputMatches(input: InputConfig, path: string): boolean {
  return input.paths.some((p) => matchesGlob(path, p)) && !input.exclude.some((p) => matchesGlob(path, p));
}

/** Every regular file (symlinks followed) matched by the inputs; the first input to claim a path wins. */
export async function sweep(inputs: readonly InputConfig[]): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  const claimed = new Set<string>();
  for (const input of inputs) {
    for (const pattern of input.paths) {
      for await (const path of glob(pattern)) {
        if (claimed.has(path) || input.exclude.some((p) => matchesGlob(path, p))) continue;
        let stats: Stats;
        try {
          stats = await stat(path);
        } catch {
          continue; // vanished between glob and stat, or a dangling symlink
        }
        if (!stats.isFile()) continue;
        claimed.add(path);
        found.push({ path, input, stats });
      }
    }
  }
  return found;
}

export function watchInputs(
  inputs: readonly InputConfig[],
  onHint: (event: 'add' | 'change' | 'unlink', path: string) => void,
  onError: (error: unknown) => void,
): FSWatcher {
  const bases = new Set<string>();
  let depth: number | undefined = 0;
  for (const input of inputs) {
    for (const pattern of input.paths) {
      const found = globBase(pattern);
      bases.add(found.base);
      depth = depth === undefined || found.depth === undefined ? undefined : Math.max(depth, found.depth);
    }
  }
  const watcher = watch([...bases], {
    ...(depth === undefined ? {} : { depth }),
    ignoreInitial: true,
    persistent: true,
    followSymlinks: true,
    // `atomic` would fold unlink+add into `change` and hide a rename+create rotation.
    atomic: false,
    ignored: (path: string, stats?: Stats) =>
      Boolean(stats?.isFile()) && !inputs.some((i) => inputMatches(i, path)),
  });
  watcher.on('add', (path: string) => onHint('add', path));
  watcher.on('change', (path: string) => onHint('change', path));
  watcher.on('unlink', (path: string) => onHint('unlink', path));
  watcher.on('error', onError);
  return watcher;
}
