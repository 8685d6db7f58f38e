import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrerequisiteError } from './errors.ts';

function output(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env }).trim();
  } catch {
    return undefined;
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const minimumGo = '1.26.5';

/** A Go toolchain new enough for every backend we build (Loki asks for the newest). */
export function requireGo(): string {
  // TRACETAIL_GO is a deliberate choice: use it or fail, never fall back behind the user's back.
  const explicit = process.env.TRACETAIL_GO;
  const candidates = explicit !== undefined && explicit !== '' ? [explicit] : ['go', '/usr/local/go/bin/go'];
  for (const candidate of candidates) {
    const version = output(candidate, ['env', 'GOVERSION'], { ...process.env, GOTOOLCHAIN: 'local' });
    if (version === undefined) continue;
    const plain = version.replace(/^go/, '');
    if (compareVersions(plain, minimumGo) >= 0) return candidate;
    throw new PrerequisiteError(
      `Go ${minimumGo} or newer is needed to build the Collector, Jaeger and Loki, but ${candidate} is ${version}. ` +
        'Install a current Go from go.dev/dl (Debian bookworm’s golang-go is too old) and put it first on PATH, ' +
        'or point TRACETAIL_GO at its go binary.',
    );
  }
  throw new PrerequisiteError(
    `Go ${minimumGo} or newer is needed to build the Collector, Jaeger and Loki, and none was found ` +
      '(looked for TRACETAIL_GO, go on PATH, /usr/local/go/bin/go). Install it from go.dev/dl.',
  );
}

function javaMajor(home: string): number | undefined {
  const releaseFile = join(home, 'release');
  if (!existsSync(join(home, 'bin', 'java')) || !existsSync(releaseFile)) return undefined;
  const match = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(releaseFile, 'utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * A JDK home with at least `major`. ES_JAVA_HOME is a deliberate choice, so a too-old one is an error;
 * JAVA_HOME is often set for other work, so it is used when new enough, else the newest in /usr/lib/jvm.
 */
export function requireJava(major: number, forWhat: string): string {
  const howToGet =
    `Install one, e.g. \`apt-get install openjdk-${major}-jdk-headless\` or Temurin ${major}+, ` +
    'or set ES_JAVA_HOME to its home.';
  const esJavaHome = process.env.ES_JAVA_HOME;
  if (esJavaHome !== undefined && esJavaHome !== '') {
    const found = javaMajor(esJavaHome);
    if (found === undefined || found < major) {
      throw new PrerequisiteError(
        `${forWhat} needs a JDK ${major} or newer, but ES_JAVA_HOME=${esJavaHome} is ` +
          `${found === undefined ? 'not a JDK home' : `Java ${found}`}. ${howToGet}`,
      );
    }
    return esJavaHome;
  }
  const javaHome = process.env.JAVA_HOME;
  if (javaHome !== undefined && javaHome !== '' && (javaMajor(javaHome) ?? 0) >= major) return javaHome;
  const installed = existsSync('/usr/lib/jvm')
    ? readdirSync('/usr/lib/jvm').map((entry) => join('/usr/lib/jvm', entry))
    : [];
  const newest = installed
    .map((home) => ({ home, major: javaMajor(home) ?? 0 }))
    .filter((candidate) => candidate.major >= major)
    .sort((a, b) => b.major - a.major)[0];
  if (newest === undefined) {
    throw new PrerequisiteError(
      `${forWhat} needs a JDK ${major} or newer, and none was found (ES_JAVA_HOME, JAVA_HOME, /usr/lib/jvm). ${howToGet}`,
    );
  }
  return newest.home;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The installed version of a Debian package, or undefined. */
export function debianVersion(pkg: string): string | undefined {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format placeholders
  const version = output('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg]);
  if (version === undefined || !version.startsWith('install ok installed')) return undefined;
  return version.split(' ').at(-1);
}

export function requireApt(packages: readonly string[]): void {
  const forWhat = packages.join(' ');
  if (output('apt-get', ['--version']) === undefined) {
    throw new PrerequisiteError(
      `${forWhat} comes from Debian packages, and apt-get is not available here. ` +
        'Run on Debian/Ubuntu, or install the binaries yourself and put them on PATH.',
    );
  }
  if (!isRoot()) {
    throw new PrerequisiteError(
      `${forWhat} is not installed and installing it needs root: run \`sudo apt-get update && sudo apt-get install -y ${forWhat}\`, then retry.`,
    );
  }
}
