// Loki and Elasticsearch stopped while services keep writing, then started: every line arrives, and
// the tailer's memory stays flat during the outage because reading pauses at the byte budget.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningBackend, startBackend } from '../../stack/src/index.ts';
import {
  baseConfig,
  eachNumberedLineOnce,
  esCounts,
  eventually,
  logLine,
  lokiCount,
  metricsPort,
  rssBytes,
  startTailer,
  type TailerChild,
  workDir,
  writeConfig,
} from './real-backends.ts';

let loki: RunningBackend;
let es: RunningBackend;
let tailer: TailerChild | undefined;

before(async () => {
  [loki, es] = await Promise.all([
    startBackend('loki', { ports: 'free' }),
    startBackend('elasticsearch', { ports: 'free' }),
  ]);
});
after(async () => {
  tailer?.child.kill('SIGKILL');
  await Promise.all([loki?.stop(), es?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

async function bytesRead(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('tracetail_tailer_bytes_read_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

test('both sinks down during writing, then up: every line present, RSS flat during the outage', {
  timeout: 300_000,
}, async (t) => {
  const runId = randomUUID().slice(0, 8);
  const dir = workDir('outage');
  mkdirSync(join(dir, 'logs'));
  const budget = 4 * MiB; // the default pipeline.maxBufferedBytes
  const config = baseConfig({
    dir,
    runId,
    lokiUrl: loki.url,
    esUrl: es.url,
    inputs: [{ name: 'app', paths: ['logs/*.log'], stream: 'audit', labels: { run: runId } }],
  });
  const configFile = writeConfig(dir, config);
  let n = 0;
  const write = (count: number) => {
    let text = '';
    for (let i = 0; i < count; i++) text += logLine(runId, n++);
    appendFileSync(join(dir, `logs/app-${n % 3}.log`), text);
  };
  write(2000);
  tailer = startTailer(configFile);
  await eventually(
    async () => (await esCounts(es.url, runId)).docs,
    (c) => c >= 2000,
    60_000,
  );
  const port = metricsPort(tailer.stderr());
  const pid = tailer.child.pid!;

  await Promise.all([loki.stop(), es.stop()]);
  const readAtOutage = await bytesRead(port);
  const samples: number[] = [];
  // ~48 MiB of new lines during the outage: twelve times the default byte budget.
  for (let second = 0; second < 12; second++) {
    write(10_000);
    for (let i = 0; i < 4; i++) {
      samples.push(rssBytes(pid));
      await sleep(250);
    }
  }
  const readDuringOutage = (await bytesRead(port)) - readAtOutage;
  const firstHalfMax = Math.max(...samples.slice(0, samples.length / 2));
  const secondHalfMax = Math.max(...samples.slice(samples.length / 2));
  const peak = Math.max(...samples);
  t.diagnostic(
    `outage: ${n - 2000} lines written, ${(readDuringOutage / MiB).toFixed(1)} MiB read; RSS first half max ${(firstHalfMax / MiB).toFixed(1)} MiB, second half max ${(secondHalfMax / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB`,
  );
  assert.ok(
    readDuringOutage <= budget + 2 * MiB,
    `reading paused at the budget (read ${readDuringOutage} bytes)`,
  );
  assert.ok(secondHalfMax - firstHalfMax <= 8 * MiB, 'RSS flat while the backlog keeps growing');
  assert.ok(peak <= 150 * MiB, `peak RSS ${peak} within 150 MiB`);

  await Promise.all([loki.start(), es.start()]);
  const expected = n;
  const esFinal = await eventually(
    () => esCounts(es.url, runId),
    (c) => c.docs >= expected,
    180_000,
  );
  const lokiFinal = await eventually(
    () => lokiCount(loki.url, runId),
    (c) => c >= expected,
    120_000,
  );
  t.diagnostic(`after the outage: ${expected} lines; Elasticsearch ${esFinal.docs}; Loki ${lokiFinal}`);
  assert.equal(esFinal.docs, expected);
  assert.ok(eachNumberedLineOnce(esFinal, expected), JSON.stringify(esFinal));
  assert.equal(lokiFinal, expected);
  tailer.child.kill('SIGTERM');
  await tailer.exited;
  tailer = undefined;
  rmSync(dir, { recursive: true, force: true });
});
