// Another Node.js release than the one running: the tests run the preload on the oldest Node its
// `engines` field accepts, so that claim is checked rather than hoped. Taken from the npm registry's
// `node-<platform>-<arch>` packages (the same binaries as nodejs.org, through npm's own registry,
// proxy and integrity settings), cached by version outside the repo.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ObtainError } from './errors.ts';
import { componentCacheDir } from './paths.ts';
import { withProgress } from './progress.ts';
import { runLogged } from './run-command.ts';

export function nodeRuntimeBinary(version: string): string {
  return join(componentCacheDir('node', version), 'bin', 'node');
}

/** The lowest version an `engines.node` range of the form ">=X.Y.Z" accepts. */
export function minimumNodeVersion(enginesRange: string): string {
  const match = /^>=\s*v?(\d+\.\d+\.\d+)$/.exec(enginesRange.trim());
  if (!match) {
    throw new ObtainError(
      `engines.node "${enginesRange}" is not of the form ">=X.Y.Z"; cannot pick its minimum`,
    );
  }
  return match[1]!;
}

/** Returns the path of a cached `node` of exactly `version`, downloading it first if needed. */
export async function obtainNodeRuntime(version: string): Promise<string> {
  const binary = nodeRuntimeBinary(version);
  if (existsSync(binary)) return binary;
  const dir = componentCacheDir('node', version);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const spec = `node-${process.platform}-${process.arch}@${version}`;
  const logFile = join(staging, 'obtain.log');
  try {
    await withProgress(`downloading Node.js ${version} (${spec}) from the npm registry`, () =>
      runLogged('npm', ['pack', spec, '--pack-destination', staging, '--silent'], {
        cwd: staging,
        logFile,
        what: `npm pack ${spec} (is the npm registry reachable?)`,
      }),
    );
    const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new ObtainError(`npm pack ${spec} left no tarball in ${staging}`);
    await runLogged('tar', ['-xzf', tarball, '--strip-components=1'], {
      cwd: staging,
      logFile,
      what: `unpacking ${tarball}`,
    });
    rmSync(join(staging, tarball));
    const reported = execFileSync(join(staging, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    if (reported !== `v${version}`) {
      throw new ObtainError(`${spec} reports ${reported}, expected v${version}`);
    }
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another process cached the same version first: use theirs.
      if (!existsSync(binary)) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return binary;
}

export interface NodeRuntime {
  readonly label: string;
  readonly binary: string;
  /** True for the Node running this process (it can run TypeScript sources; older ones need dist/). */
  readonly current: boolean;
}

/**
 * The Node.js releases a package's real-process tests run on: the one running the tests and the
 * oldest one the package's `engines.node` accepts (obtained once, cached).
 */
export async function nodeRuntimes(packageJsonPath: string): Promise<NodeRuntime[]> {
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { engines?: { node?: string } };
  const range = pkg.engines?.node;
  if (range === undefined) throw new ObtainError(`${packageJsonPath} has no engines.node`);
  const minimum = minimumNodeVersion(range);
  const runtimes: NodeRuntime[] = [
    { label: `Node ${process.version}`, binary: process.execPath, current: true },
  ];
  if (`v${minimum}` !== process.version) {
    runtimes.push({
      label: `Node v${minimum} (the engines minimum)`,
      binary: await obtainNodeRuntime(minimum),
      current: false,
    });
  }
  return runtimes;
}
