// Restores the lockfile entries of Biome's per-platform binaries.
//
// Why: the npm registry mirror these machines use serves only the linux-gnu builds of
// @biomejs/cli-*, so `npm install` silently leaves the other platforms out of package-lock.json,
// and `npm ci` then refuses the lockfile ("Missing: @biomejs/cli-darwin-arm64 from lock file").
// npm never fetches an optional package for another os/cpu, so an entry with only version, os and
// cpu is enough for `npm ci` everywhere; later `npm install`s keep these entries.
// Run it after changing the Biome version: `node scripts/lockfile-platforms.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const lockPath = resolve(import.meta.dirname, '..', 'package-lock.json');
type Entry = Record<string, unknown>;
const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, Entry> };

const biome = lock.packages['node_modules/@biomejs/biome'];
if (biome === undefined) throw new Error('package-lock.json has no @biomejs/biome entry');
const version = biome.version as string;

const platforms: Array<[string, string, string, string?]> = [
  ['linux-x64', 'linux', 'x64'],
  ['linux-arm64', 'linux', 'arm64'],
  ['linux-x64-musl', 'linux', 'x64', 'musl'],
  ['linux-arm64-musl', 'linux', 'arm64', 'musl'],
  ['darwin-x64', 'darwin', 'x64'],
  ['darwin-arm64', 'darwin', 'arm64'],
  ['win32-x64', 'win32', 'x64'],
  ['win32-arm64', 'win32', 'arm64'],
  ['android-x64', 'android', 'x64'],
  ['android-arm64', 'android', 'arm64'],
];

let added = 0;
for (const [suffix, os, cpu, libc] of platforms) {
  const key = `node_modules/@biomejs/cli-${suffix}`;
  if (lock.packages[key] !== undefined) continue;
  const entry: Entry = {
    version,
    cpu: [cpu],
    dev: true,
    license: 'MIT OR Apache-2.0',
    optional: true,
    os: [os],
  };
  if (libc !== undefined) entry.libc = [libc];
  entry.engines = { node: '>=14.21.3' };
  lock.packages[key] = entry;
  added++;
}

const sorted: Record<string, Entry> = {};
for (const key of Object.keys(lock.packages).sort((a, b) =>
  a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1,
)) {
  sorted[key] = lock.packages[key] as Entry;
}
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} Biome platform entr${added === 1 ? 'y' : 'ies'} restored`);
