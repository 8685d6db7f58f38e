import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ObtainError, PrerequisiteError, StackConfigError } from './errors.ts';
import { withFileLock } from './file-lock.ts';
import { goEnv, runGo } from './go-build.ts';
import { cacheRoot, componentCacheDir, repoPath } from './paths.ts';
import { debianVersion, isRoot, requireApt, requireJava } from './prerequisites.ts';
import { formatDuration, report, withProgress } from './progress.ts';
import { runLogged } from './run-command.ts';
import type { GoBuildPin } from './versions.ts';
import { versions } from './versions.ts';

export type BackendName =
  | 'collector'
  | 'jaeger'
  | 'loki'
  | 'prometheus'
  | 'alertmanager'
  | 'elasticsearch'
  | 'grafana';

export const allBackends: readonly BackendName[] = [
  'collector',
  'jaeger',
  'loki',
  'prometheus',
  'alertmanager',
  'elasticsearch',
  'grafana',
];

/** What `npm run stack -- up` and the full test run start: everything that can run natively here. */
export const defaultBackends: readonly BackendName[] = allBackends.filter((name) => name !== 'grafana');

function logFile(component: string): string {
  return join(cacheRoot(), 'logs', `${component}.log`);
}

// ---- Collector: our own distribution from the Builder manifest ----

export function collectorBinary(): string {
  return join(componentCacheDir('collector', versions().collector.version), 'dist', 'tracetail-otelcol');
}

async function obtainCollector(): Promise<void> {
  const pin = versions().collector;
  const dir = componentCacheDir('collector', pin.version);
  const manifest = readFileSync(repoPath(pin.manifest), 'utf8');
  const stamp = buildStamp(manifest, pin.builder);
  if (isBuilt(collectorBinary(), stamp)) return;
  const builderVersion = pin.builder.split('@')[1] ?? '';
  const builder = join(dir, 'bin', 'builder');
  const log = logFile(`collector-${pin.version}`);
  await withProgress(`building collector ${pin.version} (builder ${builderVersion})`, async () => {
    if (!existsSync(builder)) {
      await runGo(['install', pin.builder], {
        cwd: cacheRoot(),
        logFile: log,
        what: `installing the OpenTelemetry Collector Builder ${builderVersion}`,
        env: goEnv({ GOBIN: join(dir, 'bin') }),
      });
    }
    // The committed manifest builds into ./dist beside it; the cached copy builds into the cache.
    if (!/^\s*output_path: \.\/dist$/m.test(manifest)) {
      throw new StackConfigError(
        `${pin.manifest}: expected "output_path: ./dist" under dist:, the launcher rewrites it`,
      );
    }
    const cachedManifest = join(dir, 'builder-config.yaml');
    writeFileSync(
      cachedManifest,
      manifest.replace(/^(\s*output_path: )\.\/dist$/m, `$1${join(dir, 'dist')}`),
    );
    await runLogged(builder, [`--config=${cachedManifest}`], {
      cwd: dir,
      logFile: log,
      what: `building the Collector from ${pin.manifest}`,
      env: goEnv(),
    });
    if (!existsSync(collectorBinary())) {
      throw new ObtainError(`the builder left no ${collectorBinary()}; see ${log}`);
    }
    writeFileSync(`${collectorBinary()}.stamp`, stamp);
  });
}

// ---- Jaeger, Loki and the compose CLI: a committed wrapper module (go.mod + go.sum) built with `go build` ----

type GoBuilt = 'jaeger' | 'loki' | 'compose';

export function goWrapperBinary(name: GoBuilt): string {
  return join(componentCacheDir(name, versions()[name].version), 'bin', name);
}

/** A digest of everything a build depends on: a changed manifest or go.sum means a rebuild. */
function buildStamp(...inputs: string[]): string {
  return createHash('sha256').update(inputs.join('\0')).digest('hex');
}

function isBuilt(binary: string, stamp: string): boolean {
  return (
    existsSync(binary) && existsSync(`${binary}.stamp`) && readFileSync(`${binary}.stamp`, 'utf8') === stamp
  );
}

async function obtainGoWrapper(name: GoBuilt, pin: GoBuildPin, tags: readonly string[]): Promise<void> {
  const binary = goWrapperBinary(name);
  const files = ['go.mod', 'go.sum', 'tools.go'].map((file) => {
    const from = repoPath(pin.wrapper, file);
    if (!existsSync(from))
      throw new StackConfigError(`${pin.wrapper}/${file} is missing; it pins ${name}'s build`);
    return { file, text: readFileSync(from, 'utf8') };
  });
  const stamp = buildStamp(...files.map((f) => f.text), pin.package, pin.versionVariable, ...tags);
  if (isBuilt(binary, stamp)) return;
  const src = join(componentCacheDir(name, pin.version), 'src');
  mkdirSync(src, { recursive: true });
  for (const { file, text } of files) writeFileSync(join(src, file), text);
  const log = logFile(`${name}-${pin.version}`);
  await withProgress(`building ${name} ${pin.version}`, async () => {
    const partial = `${binary}.partial`;
    const args = ['build', '-trimpath', '-ldflags', `-X ${pin.versionVariable}`];
    if (tags.length > 0) args.push('-tags', tags.join(','));
    await runGo([...args, '-o', partial, pin.package], {
      cwd: src,
      logFile: log,
      what: `building ${name} ${pin.version} (${pin.module}@${pin.moduleVersion})`,
    });
    renameSync(partial, binary);
    writeFileSync(`${binary}.stamp`, stamp);
  });
}

// ---- Prometheus and Alertmanager: Debian packages ----

export function debianBinary(name: 'prometheus' | 'alertmanager'): string {
  return name === 'prometheus' ? '/usr/bin/prometheus' : '/usr/bin/prometheus-alertmanager';
}

let aptUpdated = false;

async function obtainDebian(name: 'prometheus' | 'alertmanager'): Promise<void> {
  const pin = versions()[name];
  const installed = debianVersion(pin.debianPackage);
  if (installed === undefined || !existsSync(debianBinary(name))) {
    requireApt([pin.debianPackage]);
    const log = logFile('apt');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await withProgress(`installing ${pin.debianPackage} ${pin.debianVersion} (apt)`, async () => {
      if (!aptUpdated) {
        await runLogged('apt-get', ['update'], { logFile: log, what: 'apt-get update', env });
        aptUpdated = true;
      }
      try {
        await runLogged(
          'apt-get',
          ['install', '-y', '--no-install-recommends', `${pin.debianPackage}=${pin.debianVersion}`],
          {
            logFile: log,
            what: `apt-get install ${pin.debianPackage}=${pin.debianVersion}`,
            env,
          },
        );
      } catch {
        // The archive may have moved on to a rebuild of the same upstream version; checked below.
        await runLogged('apt-get', ['install', '-y', '--no-install-recommends', pin.debianPackage], {
          logFile: log,
          what: `apt-get install ${pin.debianPackage}`,
          env,
        });
      }
    });
  }
  const now = debianVersion(pin.debianPackage) ?? '';
  if (!now.startsWith(pin.version)) {
    throw new ObtainError(
      `${pin.debianPackage} ${now} is installed but versions.json pins ${pin.version} (${pin.debianVersion}); ` +
        `install that version (apt-get install ${pin.debianPackage}=${pin.debianVersion}) or update the pin.`,
    );
  }
}

// ---- Elasticsearch: the integ-test-zip from Maven Central ----

export const elasticsearchUser = 'tracetail-es';

/**
 * Elasticsearch refuses to run as root, so as root it runs as a plain user, who must be able to read
 * its home: /root (where the cache usually is) is not traversable, hence a home under /var/cache.
 */
export function elasticsearchHome(): string {
  const version = versions().elasticsearch.version;
  if (isRoot())
    return join(process.env.TRACETAIL_ES_ROOT ?? '/var/cache/tracetail', 'elasticsearch', version);
  return join(componentCacheDir('elasticsearch', version), 'home');
}

export function elasticsearchJavaHome(): string {
  return requireJava(versions().elasticsearch.javaMajor, `Elasticsearch ${versions().elasticsearch.version}`);
}

function mavenUrl(coordinates: string): { url: string; file: string } {
  const [group, artifact, version, packaging] = coordinates.split(':');
  if (group === undefined || artifact === undefined || version === undefined || packaging === undefined) {
    throw new StackConfigError(
      `versions.json: elasticsearch.maven "${coordinates}" is not group:artifact:version:packaging`,
    );
  }
  const base = process.env.TRACETAIL_MAVEN_REPO ?? 'https://repo1.maven.org/maven2';
  const file = `${artifact}-${version}.${packaging}`;
  return { url: `${base}/${group.replaceAll('.', '/')}/${artifact}/${version}/${file}`, file };
}

async function download(url: string, target: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new PrerequisiteError(
      `cannot reach Maven Central to download ${url}: ${(error as Error).message}. ` +
        'Check the network, or set TRACETAIL_MAVEN_REPO to a reachable Maven mirror.',
      { cause: error },
    );
  }
  if (!response.ok || response.body === null) {
    throw new ObtainError(
      `downloading ${url} answered HTTP ${response.status}; check elasticsearch.maven in versions.json`,
    );
  }
  const partial = `${target}.partial`;
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    createWriteStream(partial),
  );
  renameSync(partial, target);
}

function ensureSystemUser(user: string): void {
  try {
    execFileSync('id', ['-u', user], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], {
      stdio: 'inherit',
    });
  }
}

async function ensureUnzip(): Promise<void> {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
  } catch {
    requireApt(['unzip']);
    await runLogged('apt-get', ['install', '-y', '--no-install-recommends', 'unzip'], {
      logFile: logFile('apt'),
      what: 'apt-get install unzip',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
}

async function obtainElasticsearch(): Promise<void> {
  const pin = versions().elasticsearch;
  elasticsearchJavaHome();
  if (isRoot()) ensureSystemUser(elasticsearchUser);
  const home = elasticsearchHome();
  if (existsSync(join(home, 'bin', 'elasticsearch'))) return;
  const { url, file } = mavenUrl(pin.maven);
  const dir = componentCacheDir('elasticsearch', pin.version);
  mkdirSync(dir, { recursive: true });
  const zip = join(dir, file);
  if (!existsSync(zip))
    await withProgress(`downloading elasticsearch ${pin.version} from Maven Central`, () =>
      download(url, zip),
    );
  await ensureUnzip();
  await withProgress(`unpacking elasticsearch ${pin.version}`, async () => {
    const staging = `${home}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await runLogged('unzip', ['-q', zip, '-d', staging], {
      logFile: logFile('elasticsearch'),
      what: `unzipping ${zip}`,
    });
    renameSync(join(staging, `elasticsearch-${pin.version}`), home);
    rmSync(staging, { recursive: true, force: true });
  });
}

// ---- Grafana ----

async function obtainGrafana(): Promise<void> {
  throw new PrerequisiteError(
    `Grafana cannot run natively here: ${versions().grafana.native}. Use Compose for Grafana.`,
  );
}

const obtainers: Record<BackendName, () => Promise<void>> = {
  collector: obtainCollector,
  jaeger: () => obtainGoWrapper('jaeger', versions().jaeger, []),
  loki: () => obtainGoWrapper('loki', versions().loki, ['netgo']),
  prometheus: () => obtainDebian('prometheus'),
  alertmanager: () => obtainDebian('alertmanager'),
  elasticsearch: obtainElasticsearch,
  grafana: obtainGrafana,
};

/**
 * The docker compose CLI (plugin binary, also runnable on its own as `docker compose`), built once
 * and cached: the tests run its `config` on compose/docker-compose.yml, no Docker engine needed.
 */
export async function obtainComposeCli(): Promise<string> {
  await withFileLock(join(cacheRoot(), 'locks', 'obtain-compose.lock'), () =>
    obtainGoWrapper('compose', versions().compose, []),
  );
  return goWrapperBinary('compose');
}

/** Installs, downloads or builds each backend into the cache (one at a time: two cores), with progress. */
export async function obtain(names: readonly BackendName[]): Promise<void> {
  const started = Date.now();
  for (const name of names) {
    await withFileLock(join(cacheRoot(), 'locks', `obtain-${name}.lock`), obtainers[name]);
  }
  const elapsed = Date.now() - started;
  if (elapsed > 2000) report(`obtained ${names.join(', ')} in ${formatDuration(elapsed)}`);
}
