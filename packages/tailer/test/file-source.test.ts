// The file source's own logic, driven through the Tailer with a sink that records what it is given:
// symlinks, the open-file bound, and a file truncated and rewritten past the old read position.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../src/config/load.ts';
import { createLogger } from '../src/observe/logger.ts';
import type { LogRecord } from '../src/parse/record.ts';
import { Tailer } from '../src/pipeline/tailer.ts';
import { emptyResult, type SendResult, type Sink } from '../src/sinks/sink.ts';
import { tempDir, waitFor } from './helpers.ts';

class RecordingSink implements Sink {
  readonly name = 'loki';
  readonly lines: string[] = [];
  async start(): Promise<void> {}
  sizeOf(record: LogRecord): number {
    return record.bytes;
  }
  async send(records: readonly LogRecord[]): Promise<SendResult> {
    for (const r of records) this.lines.push(r.text);
    return emptyResult;
  }
  async close(): Promise<void> {}
}

function tailerFor(dir: string, paths: string[], reader: Record<string, unknown> = {}) {
  const config = parseConfig(
    {
      inputs: [{ name: 'app', paths }],
      sinks: { loki: { url: 'http://127.0.0.1:1', batch: { maxWaitMs: 20 } } },
      reader,
      discovery: { sweepIntervalMs: 50 },
      checkpoint: { path: 'state/positions.json', intervalMs: 10 },
      server: { enabled: false },
    },
    dir,
    {},
  );
  const sink = new RecordingSink();
  const tailer = new Tailer(config, { logger: createLogger('error', () => {}), sinks: [sink] });
  return { tailer, sink };
}

const lines = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `{"message":"${prefix}-${i}"}\n`).join('');

test('a symlinked file is followed, and two links to one file read it once', async () => {
  const dir = tempDir('tailer-source-');
  mkdirSync(join(dir, 'real'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'real/target.log'), lines('sym', 50));
  symlinkSync(join(dir, 'real/target.log'), join(dir, 'logs/a.log'));
  symlinkSync(join(dir, 'real/target.log'), join(dir, 'logs/b.log'));
  const { tailer, sink } = tailerFor(dir, ['logs/*.log']);
  await tailer.start();
  await waitFor(() => sink.lines.length >= 50);
  appendFileSync(join(dir, 'real/target.log'), lines('more', 10));
  await waitFor(() => sink.lines.length >= 60);
  await new Promise((r) => setTimeout(r, 300));
  await tailer.stop();
  assert.equal(sink.lines.length, 60);
  assert.equal(new Set(sink.lines).size, 60);
});

test('more files than maxOpenFiles: idle files are closed and every file is read', async () => {
  const dir = tempDir('tailer-source-');
  mkdirSync(join(dir, 'logs'));
  for (let f = 0; f < 5; f++) writeFileSync(join(dir, `logs/f${f}.log`), lines(`f${f}`, 20));
  const { tailer, sink } = tailerFor(dir, ['logs/*.log'], { maxOpenFiles: 2, closeInactiveMs: 100 });
  await tailer.start();
  await waitFor(() => sink.lines.length >= 100, 15_000);
  assert.ok(tailer.metrics.openFiles.render().includes('tracetail_tailer_open_files'));
  await tailer.stop();
  assert.equal(new Set(sink.lines).size, 100);
});

test('a file truncated and rewritten past the old position is recognised by its fingerprint and read from 0', async () => {
  const dir = tempDir('tailer-source-');
  mkdirSync(join(dir, 'logs'));
  const file = join(dir, 'logs/app.log');
  writeFileSync(file, lines('old', 10));
  const { tailer, sink } = tailerFor(dir, ['logs/*.log']);
  await tailer.start();
  await waitFor(() => sink.lines.length >= 10);
  // Same inode, new content longer than what was read: a size check alone would miss this.
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.from(lines('new', 30)), 0, undefined, 0);
  closeSync(fd);
  await waitFor(() => sink.lines.filter((l) => l.includes('"new-')).length >= 30, 10_000);
  await tailer.stop();
  assert.deepEqual(
    sink.lines.filter((l) => l.includes('"new-')),
    Array.from({ length: 30 }, (_, i) => `{"message":"new-${i}"}`),
  );
  assert.equal(tailer.metrics.truncations.get({ input: 'app' }), 1);
});
