// Helpers for the tests against the real Loki and Elasticsearch (not a test file itself): run the
// tailer CLI as a child process, write log lines, count what arrived, sample the child's RSS.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const cliPath = resolve(import.meta.dirname, '../src/cli.ts');
/** The V8 flags of the `tracetail-tail` bin's shebang, so tests measure what users run. */
export const nodeFlags = ['--max-semi-space-size=2', '--max-old-space-size=96'];

export interface TailerChild {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

export function workDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `tailer-${name}-`));
}

export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'tailer.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

export function baseConfig(opts: {
  dir: string;
  runId: string;
  lokiUrl: string;
  esUrl: string;
  inputs?: Record<string, unknown>[];
}): Record<string, unknown> {
  return {
    inputs: opts.inputs ?? [
      { name: 'app', paths: ['logs/*.log'], stream: 'app', labels: { run: opts.runId } },
      { name: 'audit', paths: ['audit/*.jsonl'], stream: 'audit', labels: { run: opts.runId } },
    ],
    sinks: {
      loki: { url: opts.lokiUrl, batch: { maxWaitMs: 200 }, retry: { initialMs: 100, maxMs: 2000 } },
      elasticsearch: {
        url: opts.esUrl,
        indexPrefix: { app: `tt-${opts.runId}-logs`, audit: `tt-${opts.runId}-audit` },
        batch: { maxWaitMs: 200 },
        retry: { initialMs: 100, maxMs: 2000 },
      },
    },
    reader: { partialLineFlushMs: 3000, rotatedGraceMs: 1000 },
    discovery: { sweepIntervalMs: 250 },
    checkpoint: { path: 'state/positions.json' },
    server: { port: 0 },
    shutdown: { deadlineMs: 5000 },
  };
}

export function startTailer(configFile: string, env: NodeJS.ProcessEnv = {}): TailerChild {
  const child = spawn(process.execPath, [...nodeFlags, cliPath, '--config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (err.length > 2_000_000) err = err.slice(-1_000_000);
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, stderr: () => err, exited };
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

let counter = 0;
/** A JSON log line like the preload writes (~300–500 bytes), numbered by `n`. */
export function logLine(runId: string, n: number, extra: Record<string, unknown> = {}): string {
  counter++;
  const hex = (counter * 2654435761).toString(16).padStart(8, '0');
  return `${JSON.stringify({
    timestamp: new Date().toISOString(),
    level: n % 10 === 0 ? 'warn' : 'info',
    message: `request handled for user ${n} with some padding text to look like a real log line`,
    'service.name': 'checkout',
    trace_id: `${hex}${hex}${hex}${hex}`,
    span_id: `${hex}${hex}`,
    trace_flags: '01',
    correlation_id: `corr-${runId}-${n}`,
    run: runId,
    n,
    'http.route': '/api/orders/:id',
    'http.response.status_code': 200,
    ...extra,
  })}\n`;
}

export function auditLine(runId: string, n: number): string {
  return `${JSON.stringify({
    timestamp: new Date().toISOString(),
    'event.action': 'order.refund',
    'event.outcome': 'success',
    'event.category': 'database',
    correlation_id: `corr-${runId}-${n}`,
    'service.name': 'checkout',
    seq: n,
    run: runId,
    n,
    prev_hash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
  })}\n`;
}

/** Number of entries Loki holds for this run (LogQL count over the last `range`). */
export async function lokiCount(
  lokiUrl: string,
  runId: string,
  selector = '',
  range = '2h',
  access: Access = {},
): Promise<number> {
  const query = `sum(count_over_time({run="${runId}"${selector}}[${range}]))`;
  const url = `${lokiUrl}/loki/api/v1/query?query=${encodeURIComponent(query)}&time=${Date.now() * 1e6 + 60e9}`;
  const response = await request(url, access);
  if (response.status !== 200) throw new Error(`loki query ${response.status}: ${response.body}`);
  const body = JSON.parse(response.body) as { data: { result: { value: [number, string] }[] } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

export async function lokiQuery(
  lokiUrl: string,
  logql: string,
  limit = 100,
  access: Access = {},
): Promise<{ labels: Record<string, string>; line: string; metadata?: Record<string, string> }[]> {
  const now = Date.now();
  const params = new URLSearchParams({
    query: logql,
    limit: String(limit),
    start: String((now - 2 * 3600_000) * 1e6),
    end: String((now + 60_000) * 1e6),
  });
  const response = await request(`${lokiUrl}/loki/api/v1/query_range?${params}`, access);
  if (response.status !== 200) throw new Error(`loki query ${response.status}: ${response.body}`);
  const body = JSON.parse(response.body) as {
    data: {
      result: { stream: Record<string, string>; values: [string, string, Record<string, string>?][] }[];
    };
  };
  return body.data.result.flatMap((s) =>
    s.values.map(([, line, metadata]) => ({ labels: s.stream, line, metadata })),
  );
}

export async function esRequest(
  esUrl: string,
  path: string,
  body?: unknown,
  method = body === undefined ? 'GET' : 'POST',
  access: Access = {},
): Promise<Record<string, unknown>> {
  const response = await request(`${esUrl}${path}`, {
    ...access,
    method,
    headers: { 'content-type': 'application/json', ...access.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status < 200 || response.status >= 300)
    throw new Error(`elasticsearch ${path} ${response.status}: ${response.body.slice(0, 500)}`);
  return JSON.parse(response.body) as Record<string, unknown>;
}

/**
 * Documents for this run, and whether the numbered lines 0..n-1 are each there once: with as many
 * numbered documents as lines, a sum of n equal to 0+1+…+(n-1) and the right min/max, a missing line
 * and a duplicate would have to cancel out exactly (ES cardinality is approximate, so it is not used).
 */
export async function esCounts(
  esUrl: string,
  runId: string,
  access: Access = {},
): Promise<{ docs: number; numbered: number; sum: number; min: number; max: number }> {
  const pattern = `tt-${runId}-*`;
  await esRequest(esUrl, `/${pattern}/_refresh?allow_no_indices=true`, undefined, 'POST', access);
  const result = (await esRequest(
    esUrl,
    `/${pattern}/_search?allow_no_indices=true`,
    { size: 0, track_total_hits: true, aggs: { n: { stats: { field: 'n' } } } },
    'POST',
    access,
  )) as {
    hits: { total: { value: number } };
    aggregations?: { n: { count: number; sum: number; min: number | null; max: number | null } };
  };
  const stats = result.aggregations?.n;
  return {
    docs: result.hits.total.value,
    numbered: stats?.count ?? 0,
    sum: stats?.sum ?? 0,
    min: stats?.min ?? -1,
    max: stats?.max ?? -1,
  };
}

/** True when `counts` holds each of the lines numbered 0..n-1 exactly once. */
export function eachNumberedLineOnce(
  counts: { numbered: number; sum: number; min: number; max: number },
  n: number,
): boolean {
  return (
    counts.numbered === n && counts.sum === (n * (n - 1)) / 2 && counts.min === 0 && counts.max === n - 1
  );
}

export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read().catch(async () => {
    await new Promise((r) => setTimeout(r, 1000));
    return read();
  });
  while (!done(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    value = await read().catch(() => value);
  }
  return value;
}

export function metricsPort(stderr: string): number {
  const match = /"metricsPort":(\d+)/.exec(stderr);
  if (!match) throw new Error('tailer did not report its metrics port');
  return Number(match[1]);
}

/** How a test reaches a backend: extra headers (tenant, auth) and, for https, CA and client cert files. */
export interface Access {
  readonly headers?: Readonly<Record<string, string>>;
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/**
 * One HTTP(S) request; https goes through node:https so a test CA and client certificate can be used
 * (global fetch takes neither). Resolves with any status; rejects on connection and TLS errors.
 */
export function request(
  url: string,
  opts: Access & { method?: string; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  if (target.protocol !== 'https:') {
    return fetch(url, {
      method: opts.method ?? 'GET',
      headers: opts.headers,
      body: opts.body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    }).then(async (response) => ({ status: response.status, body: await response.text() }));
  }
  const { tls } = opts;
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(
      target,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ca: tls?.ca ? readFileSync(tls.ca) : undefined,
        cert: tls?.cert ? readFileSync(tls.cert) : undefined,
        key: tls?.key ? readFileSync(tls.key) : undefined,
        agent: false,
        timeout: opts.timeoutMs ?? 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${url}: no answer within ${opts.timeoutMs ?? 30_000} ms`)),
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface TestPki {
  /** The CA that signed the server and client certificates. */
  readonly ca: string;
  /** Server certificate (SANs IP:127.0.0.1, DNS:localhost) and its key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificate for mutual TLS, signed by `ca`. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A second CA that signed nothing here: trusting only it must fail the handshake. */
  readonly otherCa: string;
}

/** A throwaway PKI made with the openssl CLI: two CAs, a server and a client certificate (RSA 2048, 2 days). */
export function makeTestPki(dir: string, openssl = '/usr/bin/openssl'): TestPki {
  mkdirSync(dir, { recursive: true });
  const at = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const makeCa = (name: string, subject: string) =>
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      subject,
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.pem`),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  const makeLeaf = (name: string, subject: string, extensions: string) => {
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      subject,
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.csr`),
    );
    writeFileSync(at(`${name}.ext`), extensions);
    run(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      at(`${name}.ext`),
      '-out',
      at(`${name}.pem`),
    );
  };
  makeCa('ca', '/CN=tracetail test CA');
  makeCa('other-ca', '/CN=tracetail unrelated CA');
  makeLeaf(
    'server',
    '/CN=localhost',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  makeLeaf(
    'client',
    '/CN=tracetail-tailer',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  return {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    otherCa: at('other-ca.pem'),
  };
}
