import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: src/ and dist/ both sit two levels below packages/stack. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

/** Where obtained backends live, keyed by component and version; outside the repo so clones share it. */
export function cacheRoot(): string {
  const fromEnv = process.env.TRACETAIL_CACHE;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(homedir(), '.cache', 'tracetail');
}

export function componentCacheDir(component: string, version: string): string {
  return join(cacheRoot(), component, version);
}

/** State and data of the stack that `npm run stack -- up` leaves running. */
export function defaultStackDir(): string {
  const fromEnv = process.env.TRACETAIL_STACK_HOME;
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : join(tmpdir(), 'tracetail-stack');
}

export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}
