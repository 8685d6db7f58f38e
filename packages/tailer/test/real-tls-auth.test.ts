// TLS and authentication against a real Loki and a real Elasticsearch, each started for this file
// alone (own ports, own data and config dirs) with security on: Loki with mutual TLS
// (RequireAndVerifyClientCert) and multi-tenancy, Elasticsearch with HTTPS and a file-realm user. The
// certificates come from openssl in a temp dir. Proves delivery over TLS with the tenant and the
// credentials (the password given through ${ENV}), tenant isolation, and that an untrusted server
// certificate or a wrong password loses nothing: no position committed, nothing dead-lettered, and
// every line arrives exactly once after the config is fixed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { indent, readLogTail } from '../../stack/src/log-tail.ts';
import {
  elasticsearchHome,
  elasticsearchJavaHome,
  elasticsearchUser,
  goWrapperBinary,
  obtain,
} from '../../stack/src/obtain.ts';
import { reapOrphans, registerOwned, unregisterOwned } from '../../stack/src/orphan-registry.ts';
import { repoPath } from '../../stack/src/paths.ts';
import { isRoot } from '../../stack/src/prerequisites.ts';
import {
  freePorts,
  isGroupAlive,
  spawnGroup,
  stopGroup,
  terminateGroupNow,
} from '../../stack/src/process-group.ts';
import { explainTlsError } from '../src/sinks/http-client.ts';
import {
  type Access,
  auditLine,
  baseConfig,
  eachNumberedLineOnce,
  esCounts,
  esRequest,
  eventually,
  logLine,
  lokiCount,
  makeTestPki,
  request,
  startTailer,
  type TailerChild,
  type TestPki,
  workDir,
  writeConfig,
} from './real-backends.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A backend process group this file started, stopped in after() and, should we die, on exit. */
interface Dedicated {
  readonly url: string;
  readonly logFile: string;
  readonly startedInMs: number;
  stop(): Promise<void>;
}

const running = new Set<number>();
process.once('exit', () => {
  for (const pgid of running) terminateGroupNow(pgid);
});

async function launch(opts: {
  name: string;
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  url: string;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  stopTimeoutMs: number;
}): Promise<Dedicated> {
  const started = Date.now();
  const pgid = spawnGroup(opts.command, opts.args, {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    logFile: opts.logFile,
  });
  running.add(pgid);
  // If this process is SIGKILLed, the next test run's reaper stops the group (it is detached).
  registerOwned({ pgid, ownerPid: process.pid, name: opts.name, command: opts.command });
  const stop = async () => {
    if (!running.has(pgid)) return;
    await stopGroup(pgid, opts.stopTimeoutMs);
    running.delete(pgid);
    unregisterOwned(pgid);
  };
  const until = started + opts.timeoutMs;
  for (;;) {
    if (await opts.ready()) break;
    const why = !isGroupAlive(pgid)
      ? 'exited before it was ready'
      : Date.now() > until
        ? `was not ready within ${opts.timeoutMs} ms`
        : undefined;
    if (why !== undefined) {
      await stop();
      throw new Error(
        `${opts.name} ${why}; last lines of ${opts.logFile}:\n${indent(readLogTail(opts.logFile, 40))}`,
      );
    }
    await sleep(250);
  }
  return { url: opts.url, logFile: opts.logFile, startedInMs: Date.now() - started, stop };
}

const probeOk = async (url: string, access: Access) => {
  try {
    return (await request(url, { ...access, timeoutMs: 2000 })).status === 200;
  } catch {
    return false;
  }
};

/** Loki from the launcher's cache, our compose/loki/config.yaml plus multi-tenancy and mutual TLS. */
async function startSecureLoki(dir: string, pki: TestPki): Promise<Dedicated> {
  await obtain(['loki']);
  const [http, grpc] = (await freePorts(2)) as [number, number];
  const data = join(dir, 'loki');
  mkdirSync(data, { recursive: true });
  const config = parse(readFileSync(repoPath('compose', 'loki', 'config.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  > & { auth_enabled: boolean };
  config.auth_enabled = true;
  config.server!.http_tls_config = {
    cert_file: pki.serverCert,
    key_file: pki.serverKey,
    client_auth_type: 'RequireAndVerifyClientCert',
    client_ca_file: pki.ca,
  };
  const configFile = join(data, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const url = `https://127.0.0.1:${http}`;
  const client = { tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } };
  return launch({
    name: 'loki',
    command: goWrapperBinary('loki'),
    args: [`-config.file=${configFile}`, '-config.expand-env=true'],
    env: {
      TT_LOKI_HTTP_ADDRESS: '127.0.0.1',
      TT_LOKI_HTTP_PORT: String(http),
      TT_LOKI_GRPC_ADDRESS: '127.0.0.1',
      TT_LOKI_GRPC_PORT: String(grpc),
      TT_LOKI_DATA: data,
    },
    cwd: data,
    logFile: join(data, 'loki.log'),
    url,
    ready: () => probeOk(`${url}/ready`, client),
    timeoutMs: 60_000,
    stopTimeoutMs: 15_000,
  });
}

/**
 * Elasticsearch from the launcher's cache (run as its system user when we are root, like
 * packages/stack does), with a copy of the distribution's config dir: security on, HTTPS with our
 * PEM files, a role for the shipper and a file-realm user added with `elasticsearch-users useradd`.
 */
async function startSecureElasticsearch(
  dir: string,
  pki: TestPki,
  user: string,
  password: string,
): Promise<Dedicated> {
  await obtain(['elasticsearch']);
  const home = elasticsearchHome();
  const javaHome = elasticsearchJavaHome();
  const [http, transport] = (await freePorts(2)) as [number, number];
  const esDir = join(dir, 'es');
  const configDir = join(esDir, 'config');
  cpSync(join(home, 'config'), configDir, { recursive: true });
  // Elasticsearch reads TLS files only from inside its config dir.
  mkdirSync(join(configDir, 'certs'));
  copyFileSync(pki.ca, join(configDir, 'certs', 'ca.pem'));
  copyFileSync(pki.serverCert, join(configDir, 'certs', 'server.pem'));
  copyFileSync(pki.serverKey, join(configDir, 'certs', 'server.key'));
  appendFileSync(
    join(configDir, 'elasticsearch.yml'),
    `\n${stringify({
      'cluster.name': 'tracetail-tls-test',
      'node.name': 'tracetail-es-tls',
      'discovery.type': 'single-node',
      'network.host': '127.0.0.1',
      'http.port': http,
      'transport.port': transport,
      'path.data': join(esDir, 'data'),
      'path.logs': join(esDir, 'logs'),
      'cluster.routing.allocation.disk.threshold_enabled': false,
      'xpack.security.enabled': true,
      'xpack.security.http.ssl.enabled': true,
      'xpack.security.http.ssl.certificate': 'certs/server.pem',
      'xpack.security.http.ssl.key': 'certs/server.key',
      'xpack.security.http.ssl.certificate_authorities': ['certs/ca.pem'],
    })}`,
  );
  // What the tailer needs: its index templates and writing tt-* indices (reading and refreshing them:
  // for the test's counts).
  appendFileSync(
    join(configDir, 'roles.yml'),
    `\n${stringify({
      tracetail_shipper: {
        cluster: ['manage_index_templates', 'manage_own_api_key', 'monitor'],
        indices: [
          {
            names: ['tt-*'],
            privileges: ['create_doc', 'create_index', 'auto_configure', 'read', 'monitor', 'maintenance'],
          },
        ],
      },
    })}`,
  );
  execFileSync(
    join(home, 'bin', 'elasticsearch-users'),
    ['useradd', user, '-p', password, '-r', 'tracetail_shipper'],
    {
      env: { ...process.env, ES_JAVA_HOME: javaHome, ES_PATH_CONF: configDir },
      stdio: 'pipe',
    },
  );
  mkdirSync(join(esDir, 'tmp'));
  const bin = join(home, 'bin', 'elasticsearch');
  if (isRoot()) execFileSync('chown', ['-R', `${elasticsearchUser}:`, esDir]);
  const url = `https://127.0.0.1:${http}`;
  const access = { tls: { ca: pki.ca }, headers: basicAuth(user, password) };
  return launch({
    name: 'elasticsearch',
    // Elasticsearch refuses to run as root; packages/stack hands it to a plain user made for it.
    command: isRoot() ? 'runuser' : bin,
    args: isRoot() ? ['-u', elasticsearchUser, '--', bin] : [],
    env: {
      ES_JAVA_HOME: javaHome,
      ES_PATH_CONF: configDir,
      ES_TMPDIR: join(esDir, 'tmp'),
      ES_JAVA_OPTS: process.env.TRACETAIL_ES_JAVA_OPTS ?? '-Xms512m -Xmx512m',
    },
    cwd: esDir,
    logFile: join(esDir, 'elasticsearch.log'),
    url,
    ready: () => probeOk(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, access),
    timeoutMs: 120_000,
    stopTimeoutMs: 30_000,
  });
}

function basicAuth(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** A `${NAME}` reference in a config value, which the tailer replaces with the environment variable. */
const envRef = (name: string) => `\${${name}}`;

const tenant = 'team-tls';
const esUser = 'tt_shipper';
// From the test, not a default: a fresh password per run.
const esPassword = `tt-${randomBytes(12).toString('base64url')}`;

let root: string;
let pki: TestPki;
let loki: Dedicated | undefined;
let es: Dedicated | undefined;
let lokiAccess: Access;
let esAccess: Access;
let tailer: TailerChild | undefined;
/** The runs' temp dirs, removed in after() even when a test failed half-way. */
const runDirs = new Set<string>();
/** Every tailer started here, so after() can kill whatever a failed test left running. */
const tailers = new Set<TailerChild>();

function runTailer(configFile: string, env: NodeJS.ProcessEnv = {}): TailerChild {
  const child = startTailer(configFile, env);
  tailers.add(child);
  void child.exited.then(() => tailers.delete(child));
  return child;
}

before(async () => {
  await reapOrphans();
  root = workDir('tls-auth');
  // Elasticsearch runs as another user when we are root: it must be able to reach its dir.
  execFileSync('chmod', ['755', root]);
  pki = makeTestPki(join(root, 'pki'));
  lokiAccess = {
    headers: { 'x-scope-orgid': tenant },
    tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey },
  };
  esAccess = { headers: basicAuth(esUser, esPassword), tls: { ca: pki.ca } };
  const [lokiStarted, esStarted] = await Promise.allSettled([
    startSecureLoki(root, pki),
    startSecureElasticsearch(root, pki, esUser, esPassword),
  ]);
  if (lokiStarted.status === 'fulfilled') loki = lokiStarted.value;
  if (esStarted.status === 'fulfilled') es = esStarted.value;
  if (lokiStarted.status === 'rejected') throw lokiStarted.reason;
  if (esStarted.status === 'rejected') throw esStarted.reason;
});

after(async () => {
  for (const child of tailers) child.child.kill('SIGKILL');
  await Promise.all([...tailers].map((child) => child.exited));
  await Promise.all([loki?.stop(), es?.stop()]);
  for (const dir of runDirs) rmSync(dir, { recursive: true, force: true });
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

test('dedicated secure backends started', (t) => {
  assert.ok(loki && es);
  t.diagnostic(`Loki (mTLS, auth_enabled) ready in ${(loki.startedInMs / 1000).toFixed(1)} s at ${loki.url}`);
  t.diagnostic(
    `Elasticsearch (HTTPS, security, file-realm user) ready in ${(es.startedInMs / 1000).toFixed(1)} s at ${es.url}`,
  );
});

/** A run's dir and config: the secure sinks with the given CA and Elasticsearch auth. */
function setUp(name: string, opts: { ca?: string; esAuth: Record<string, string> }) {
  const runId = randomUUID().slice(0, 8);
  const dir = workDir(name);
  runDirs.add(dir);
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'audit'));
  let n = 0;
  let audit = 0;
  const write = (app: number, auditCount: number) => {
    let text = '';
    for (let i = 0; i < app; i++) text += logLine(runId, n++);
    appendFileSync(join(dir, 'logs/app.log'), text);
    text = '';
    for (let i = 0; i < auditCount; i++) text += auditLine(runId, n++);
    appendFileSync(join(dir, 'audit/audit.jsonl'), text);
    audit += auditCount;
  };
  const configure = (ca: string, esAuth: Record<string, string>) => {
    const config = baseConfig({ dir, runId, lokiUrl: loki!.url, esUrl: es!.url });
    const sinks = config.sinks as Record<'loki' | 'elasticsearch', Record<string, unknown>>;
    sinks.loki.tenant = tenant;
    sinks.loki.tls = { ca, cert: pki.clientCert, key: pki.clientKey };
    sinks.elasticsearch.tls = { ca };
    sinks.elasticsearch.auth = esAuth;
    return writeConfig(dir, config);
  };
  configure(opts.ca ?? pki.ca, opts.esAuth);
  return {
    runId,
    dir,
    write,
    configure,
    written: () => n,
    audit: () => audit,
    configFile: join(dir, 'tailer.yaml'),
    checkpoint: join(dir, 'state', 'positions.json'),
    deadLetter: join(dir, 'state', 'dead-letter.jsonl'),
  };
}

async function waitForLog(child: TailerChild, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(child.stderr());
    if (match) return match[0];
    if (Date.now() > until)
      throw new Error(`tailer never logged ${pattern}:\n${child.stderr().slice(-3000)}`);
    await sleep(100);
  }
}

async function stopTailer(child: TailerChild): Promise<number | null> {
  child.child.kill('SIGTERM');
  const code = await child.exited;
  tailer = undefined;
  return code;
}

/** Positions committed for this sink (and overall), summed over every file of the checkpoint. */
function committed(checkpointFile: string): { offset: number; loki: number; elasticsearch: number } {
  if (!existsSync(checkpointFile)) return { offset: 0, loki: 0, elasticsearch: 0 };
  const data = JSON.parse(readFileSync(checkpointFile, 'utf8')) as {
    files: Record<string, { offset: number; sinks: Record<string, number> }>;
  };
  const files = Object.values(data.files);
  const sum = (pick: (f: (typeof files)[number]) => number) => files.reduce((s, f) => s + pick(f), 0);
  return {
    offset: sum((f) => f.offset),
    loki: sum((f) => f.sinks.loki ?? 0),
    elasticsearch: sum((f) => f.sinks.elasticsearch ?? 0),
  };
}

/** Waits for all `expected` lines in both sinks, then checks no extra one arrives. */
async function assertEachLineOnce(runId: string, expected: number, audit: number): Promise<void> {
  await eventually(
    () => lokiCount(loki!.url, runId, '', '2h', lokiAccess),
    (c) => c >= expected,
    60_000,
  );
  await eventually(
    () => esCounts(es!.url, runId, esAccess),
    (c) => c.docs >= expected,
    60_000,
  );
  await sleep(1500); // a duplicate would show by now
  assert.equal(await lokiCount(loki!.url, runId, '', '2h', lokiAccess), expected, 'Loki: every line once');
  assert.equal(
    await lokiCount(loki!.url, runId, ', stream="audit"', '2h', lokiAccess),
    audit,
    'Loki: audit lines',
  );
  const counts = await esCounts(es!.url, runId, esAccess);
  assert.equal(counts.docs, expected, `Elasticsearch docs: ${JSON.stringify(counts)}`);
  assert.ok(
    eachNumberedLineOnce(counts, expected),
    `Elasticsearch: every line once: ${JSON.stringify(counts)}`,
  );
}

test('mTLS + tenant to Loki, HTTPS + basic auth (password from an env reference) to Elasticsearch: every line once, tenants isolated', {
  timeout: 120_000,
}, async (t) => {
  const run = setUp('tls-ok', { esAuth: { username: esUser, password: envRef('TT_TEST_ES_PASSWORD') } });
  run.write(400, 200);
  const started = Date.now();
  tailer = runTailer(run.configFile, { TT_TEST_ES_PASSWORD: esPassword });
  await waitForLog(tailer, /"metricsPort":\d+/);
  run.write(300, 100); // while it runs
  await assertEachLineOnce(run.runId, run.written(), run.audit());
  t.diagnostic(
    `${run.written()} lines in Loki and Elasticsearch over TLS in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  // Another tenant sees none of it; the tenant sees it through LogQL too.
  const other = { ...lokiAccess, headers: { 'x-scope-orgid': 'someone-else' } };
  assert.equal(await lokiCount(loki!.url, run.runId, '', '2h', other), 0, 'another tenant sees nothing');
  // The servers really enforce it: no client certificate, no TLS session; no credentials, 401.
  const noClientCert = await request(`${loki!.url}/ready`, { tls: { ca: pki.ca }, timeoutMs: 5000 }).then(
    () => assert.fail('Loki answered a client without a certificate'),
    (error: Error) => error,
  );
  // What the tailer would log for it (the same wrapping its HTTP client applies).
  const explained = explainTlsError(noClientCert, new URL(loki!.url)).message;
  t.diagnostic(`no client certificate: ${explained}`);
  assert.match(explained, /TLS: 127\.0\.0\.1:\d+ refused the handshake .*check tls\.cert and tls\.key/);
  assert.equal((await request(`${es!.url}/tt-${run.runId}-*/_count`, { tls: { ca: pki.ca } })).status, 401);
  assert.equal(await stopTailer(tailer), 0);
  assert.equal(existsSync(run.deadLetter), false, 'nothing dead-lettered');
});

test('Elasticsearch API key from an env reference: every line once', { timeout: 120_000 }, async (t) => {
  let encoded: string;
  try {
    const key = await esRequest(
      es!.url,
      '/_security/api_key',
      {
        name: 'tracetail-tailer',
        role_descriptors: {
          shipper: {
            cluster: ['manage_index_templates'],
            indices: [{ names: ['tt-*'], privileges: ['create_doc', 'create_index', 'auto_configure'] }],
          },
        },
      },
      'POST',
      esAccess,
    );
    encoded = String(key.encoded);
  } catch (error) {
    // API keys live in the .security system index, whose mapping uses the pattern_capture token
    // filter of the analysis-common module; the integ-test-zip distribution the launcher runs does
    // not ship that module, so the index cannot be created. See packages/tailer/README.md.
    if (/pattern_capture/.test((error as Error).message)) {
      t.skip(
        `this Elasticsearch distribution cannot store API keys: ${(error as Error).message.slice(0, 300)}`,
      );
      return;
    }
    throw error;
  }
  const run = setUp('tls-apikey', { esAuth: { apiKey: envRef('TT_TEST_ES_API_KEY') } });
  run.write(300, 100);
  tailer = runTailer(run.configFile, { TT_TEST_ES_API_KEY: encoded });
  await assertEachLineOnce(run.runId, run.written(), run.audit());
  assert.equal(await stopTailer(tailer), 0);
});

test('server certificate from an unrelated CA: nothing delivered, a clear TLS error, no position committed, nothing dead-lettered; fixed CA: every line once', {
  timeout: 120_000,
}, async (t) => {
  const run = setUp('tls-bad-ca', { ca: pki.otherCa, esAuth: { username: esUser, password: esPassword } });
  run.write(300, 100);
  tailer = runTailer(run.configFile);
  const lokiError = await waitForLog(tailer, /"message":"sink request failed; retrying","sink":"loki"[^\n]*/);
  const esError = await waitForLog(
    tailer,
    /"message":"sink setup failed; retrying","sink":"elasticsearch"[^\n]*/,
  );
  t.diagnostic(`loki: ${lokiError}`);
  t.diagnostic(`elasticsearch: ${esError}`);
  for (const line of [lokiError, esError]) {
    assert.match(line, /TLS: the server certificate of 127\.0\.0\.1:\d+ is not trusted/);
    assert.match(line, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
    assert.match(line, /check tls\.ca/);
  }
  run.write(100, 0); // still written while failing
  await sleep(2000);
  assert.equal(await lokiCount(loki!.url, run.runId, '', '2h', lokiAccess), 0);
  assert.equal((await esCounts(es!.url, run.runId, esAccess)).docs, 0);
  assert.equal(await stopTailer(tailer), 0);
  assert.deepEqual(
    committed(run.checkpoint),
    { offset: 0, loki: 0, elasticsearch: 0 },
    'no position committed',
  );
  assert.equal(existsSync(run.deadLetter), false, 'nothing dead-lettered');

  run.configure(pki.ca, { username: esUser, password: esPassword });
  tailer = runTailer(run.configFile);
  await assertEachLineOnce(run.runId, run.written(), run.audit());
  assert.equal(await stopTailer(tailer), 0);
  assert.equal(existsSync(run.deadLetter), false, 'nothing dead-lettered');
});

test('wrong Elasticsearch password: a clear 401, nothing lost or dead-lettered; right password: every line once', {
  timeout: 120_000,
}, async (t) => {
  const run = setUp('tls-bad-password', { esAuth: { username: esUser, password: `${esPassword}-wrong` } });
  run.write(300, 100);
  tailer = runTailer(run.configFile);
  const esError = await waitForLog(
    tailer,
    /"message":"sink setup failed; retrying","sink":"elasticsearch"[^\n]*/,
  );
  t.diagnostic(`elasticsearch: ${esError}`);
  assert.match(esError, /401/);
  assert.match(esError, /authentication failed; check sinks\.elasticsearch\.auth/);
  assert.match(esError, /unable to authenticate user \[tt_shipper\]/);
  assert.doesNotMatch(esError, new RegExp(esPassword), 'the password is not logged');
  // Loki is unaffected and gets everything meanwhile.
  await eventually(
    () => lokiCount(loki!.url, run.runId, '', '2h', lokiAccess),
    (c) => c >= run.written(),
    60_000,
  );
  assert.equal((await esCounts(es!.url, run.runId, esAccess)).docs, 0);
  assert.equal(await stopTailer(tailer), 0);
  const positions = committed(run.checkpoint);
  assert.equal(positions.elasticsearch, 0, 'no Elasticsearch position committed');
  assert.equal(positions.offset, 0, 'no file position committed past Elasticsearch');
  assert.equal(existsSync(run.deadLetter), false, 'nothing dead-lettered');

  run.configure(pki.ca, { username: esUser, password: envRef('TT_TEST_ES_PASSWORD') });
  tailer = runTailer(run.configFile, { TT_TEST_ES_PASSWORD: esPassword });
  // Elasticsearch gets every line; Loki keeps exactly one of each (its own position was kept).
  await assertEachLineOnce(run.runId, run.written(), run.audit());
  assert.equal(await stopTailer(tailer), 0);
});
