// Throughput of audit.record() in `sync` (fsync per event) vs `batch` (fsync every flush interval)
// mode, writing real files on the local disk. Prints the median of several runs per mode and the
// batch/sync ratio measured in the same run.
//   node packages/otel/bench/audit-record.ts [--runs 5] [--sync-events 2000] [--batch-events 50000]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../src/audit/log.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'sync-events': { type: 'string', default: '2000' },
    'batch-events': { type: 'string', default: '50000' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const runs = Number(values.runs);
const eventsByMode = { sync: Number(values['sync-events']), batch: Number(values['batch-events']) } as const;

function once(mode: 'sync' | 'batch', events: number): number {
  const dir = mkdtempSync(join(values.dir, 'tracetail-audit-bench-'));
  const log = new AuditLog({
    file: join(dir, 'audit.jsonl'),
    mode,
    flushIntervalMs: 200,
    maxQueue: 10_000,
    maxFileBytes: 50 * 1024 * 1024,
    serviceName: () => 'bench',
    flushOnExit: false,
  });
  const started = process.hrtime.bigint();
  for (let i = 0; i < events; i++) {
    log.record({
      action: 'fs.write',
      outcome: 'success',
      session_id: 'session-123',
      container_id: 'c_abc123',
      resource: `/scratch/file-${i}.txt`,
      duration_ms: 1.5,
      details: { bytes: 1024 },
    });
  }
  log.close(); // includes the final write + fsync, so batch mode is charged for its durability too
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stats = log.stats();
  if (stats.written !== events || stats.dropped !== 0)
    throw new Error(`lost events: ${JSON.stringify(stats)}`);
  rmSync(dir, { recursive: true, force: true });
  return events / seconds;
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

once('batch', 1000); // warm-up (JIT, file-system caches)
const results: Record<string, number[]> = { sync: [], batch: [] };
for (let run = 0; run < runs; run++) {
  for (const mode of ['sync', 'batch'] as const) results[mode]?.push(once(mode, eventsByMode[mode]));
}
const syncMedian = median(results.sync ?? []);
const batchMedian = median(results.batch ?? []);
console.log(
  `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, dir ${values.dir}, ${runs} runs`,
);
console.log('mode   events/run  median events/s  runs (events/s)');
for (const mode of ['sync', 'batch'] as const) {
  const list = (results[mode] ?? []).map((v) => v.toFixed(0)).join(', ');
  console.log(
    `${mode.padEnd(6)} ${String(eventsByMode[mode]).padStart(10)}  ${median(results[mode] ?? [])
      .toFixed(0)
      .padStart(15)}  ${list}`,
  );
}
console.log(`batch/sync ratio: ${(batchMedian / syncMedian).toFixed(1)}x`);
