// Every line, through rotation, copytruncate, partial lines, unicode, an oversized line, garbage bytes,
// an empty file and a file deleted while being read, arrives exactly once in the real Loki and the
// real Elasticsearch.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningBackend, useSharedStack } from '../../stack/src/index.ts';
import {
  auditLine,
  baseConfig,
  eachNumberedLineOnce,
  esCounts,
  esRequest,
  eventually,
  logLine,
  lokiCount,
  lokiQuery,
  metricsPort,
  startTailer,
  type TailerChild,
  workDir,
  writeConfig,
} from './real-backends.ts';

let loki: RunningBackend;
let es: RunningBackend;

before(async () => {
  const stack = await useSharedStack(['loki', 'elasticsearch']);
  loki = stack.loki;
  es = stack.elasticsearch;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForLog(tailer: TailerChild, pattern: RegExp, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pattern.test(tailer.stderr())) {
    if (Date.now() > until)
      throw new Error(`tailer never logged ${pattern}:\n${tailer.stderr().slice(-3000)}`);
    await sleep(50);
  }
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.split(' ').pop());
  return total;
}

let tailer: TailerChild | undefined;
after(async () => {
  tailer?.child.kill('SIGKILL');
});

test('N lines through rotation, copytruncate, partial/unicode/oversized/garbage lines and a deleted file: exactly N in Loki and in Elasticsearch', {
  timeout: 240_000,
}, async () => {
  const runId = randomUUID().slice(0, 8);
  const dir = workDir('delivery');
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'audit'));
  const configFile = writeConfig(dir, baseConfig({ dir, runId, lokiUrl: loki.url, esUrl: es.url }));
  let n = 0; // numbered JSON lines written
  let special = 0; // non-numbered lines (oversized, garbage, partial-flushed)
  const write = (file: string, count: number, line = logLine) => {
    let text = '';
    for (let i = 0; i < count; i++) text += line(runId, n++);
    appendFileSync(join(dir, file), text);
  };
  // Before the tailer starts: an existing backlog, an empty file, some empty lines.
  write('logs/a.log', 2000);
  writeFileSync(join(dir, 'logs/empty.log'), '');
  appendFileSync(join(dir, 'logs/a.log'), '\n\n');
  write('audit/audit.jsonl', 1500, auditLine);

  tailer = startTailer(configFile);
  await waitForLog(tailer, /"metricsPort":\d+/);
  const port = metricsPort(tailer.stderr());

  // Rename rotation while the writer keeps its handle: lines written to the old file after the
  // rename must still be read; a new file takes the name.
  const oldFd = openSync(join(dir, 'audit/audit.jsonl'), 'a');
  renameSync(join(dir, 'audit/audit.jsonl'), join(dir, 'audit/audit.1.jsonl'));
  let late = '';
  for (let i = 0; i < 300; i++) late += auditLine(runId, n++);
  writeSync(oldFd, late);
  closeSync(oldFd);
  write('audit/audit.jsonl', 1200, auditLine);

  // Unicode and a partial line completed later.
  write('logs/b.log', 1000, (id, k) => logLine(id, k, { message: `Grüße 👋 ${k} — 日本語 ✓` }));
  const partial = logLine(runId, n++);
  appendFileSync(join(dir, 'logs/b.log'), partial.slice(0, 100));
  await sleep(400);
  appendFileSync(join(dir, 'logs/b.log'), partial.slice(100));

  // copytruncate, after the tailer has read everything so far (the copy is outside the globs).
  write('logs/c.log', 1500);
  await eventually(
    async () => metric(port, 'tracetail_tailer_lines_shipped_total{sink="elasticsearch"}'),
    (v) => v >= n,
    60_000,
  );
  copyFileSync(join(dir, 'logs/c.log'), join(dir, 'logs/c.log.1'));
  truncateSync(join(dir, 'logs/c.log'), 0);
  await sleep(600);
  write('logs/c.log', 1000);

  // A 1 MiB line (truncated and flagged, still shipped), garbage bytes, and a file ending with no newline.
  appendFileSync(
    join(dir, 'logs/b.log'),
    `${JSON.stringify({ timestamp: new Date().toISOString(), run: runId, big: 'x'.repeat(1024 * 1024) })}\n`,
  );
  special++;
  appendFileSync(
    join(dir, 'logs/b.log'),
    Buffer.concat([randomBytes(300).map((b) => (b === 10 ? 11 : b)), Buffer.from('\n')]),
  );
  special++;
  appendFileSync(join(dir, 'logs/noeol.log'), `${logLine(runId, n++).trimEnd()}`);

  // A file deleted while it is being read: the open handle keeps it readable until drained.
  write('logs/d.log', 3000);
  await waitForLog(tailer, /"following file","path":"[^"]*d\.log"/);
  unlinkSync(join(dir, 'logs/d.log'));
  write('logs/a.log', 1000);

  const expected = n + special;
  const loki1 = await eventually(
    () => lokiCount(loki.url, runId),
    (c) => c >= expected,
    90_000,
  );
  const es1 = await eventually(
    () => esCounts(es.url, runId),
    (c) => c.docs >= expected,
    60_000,
  );
  await sleep(2000); // anything extra (duplicates) would show up by now
  const lokiFinal = await lokiCount(loki.url, runId);
  const esFinal = await esCounts(es.url, runId);
  assert.equal(
    lokiFinal,
    expected,
    `Loki holds ${lokiFinal} entries for ${expected} lines (first seen ${loki1})`,
  );
  assert.equal(
    esFinal.docs,
    expected,
    `Elasticsearch holds ${esFinal.docs} docs for ${expected} lines (first seen ${es1.docs})`,
  );
  assert.ok(eachNumberedLineOnce(esFinal, n), `every numbered line once: ${JSON.stringify(esFinal)}`);

  // The oversized line is truncated and flagged; garbage is flagged; ids are structured metadata.
  const flagged = await lokiQuery(loki.url, `{run="${runId}"} | tracetail_flags=~".*truncated.*"`);
  assert.equal(flagged.length, 1);
  assert.ok(flagged[0]!.line.length <= 256 * 1024);
  const garbage = (await esRequest(es.url, `/tt-${runId}-*/_search`, {
    query: { term: { 'tracetail.flags': 'invalid_utf8' } },
  })) as { hits: { total: { value: number } } };
  assert.equal(garbage.hits.total.value, 1);
  const byCorrelation = await lokiQuery(
    loki.url,
    `{stream="audit", run="${runId}"} | correlation_id="corr-${runId}-2005"`,
  );
  assert.equal(byCorrelation.length, 1);
  assert.equal(byCorrelation[0]!.labels.service_name, 'checkout');
  const audit = (await esRequest(es.url, `/tt-${runId}-audit-*/_search`, {
    query: { term: { 'event.action': 'order.refund' } },
    size: 1,
  })) as {
    hits: { total: { value: number }; hits: { _source: Record<string, unknown> }[] };
  };
  assert.equal(audit.hits.total.value, 1500 + 300 + 1200);
  assert.equal(audit.hits.hits[0]!._source['service.name'], 'checkout');
  assert.equal(await metric(port, 'tracetail_tailer_empty_lines_total'), 2);
  assert.ok((await metric(port, 'tracetail_tailer_file_truncations_total')) >= 1);

  // Graceful stop commits; a restart with the same checkpoint sends nothing again.
  tailer.child.kill('SIGTERM');
  assert.equal(await tailer.exited, 0);
  tailer = startTailer(configFile);
  await waitForLog(tailer, /"metricsPort":\d+/);
  await sleep(3000);
  assert.equal(await lokiCount(loki.url, runId), expected);
  assert.equal((await esCounts(es.url, runId)).docs, expected);
  tailer.child.kill('SIGTERM');
  await tailer.exited;
  tailer = undefined;
  rmSync(dir, { recursive: true, force: true });
});
