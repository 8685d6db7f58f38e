// Shared helpers for the tailer's unit tests (not a test file itself).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.ts';
import type { TailerConfig } from '../src/config/types.ts';
import { createLogger } from '../src/observe/logger.ts';
import { TailerMetrics } from '../src/observe/metrics.ts';
import { type LogRecord, parseLine } from '../src/parse/record.ts';
import { DeadLetterFile } from '../src/pipeline/dead-letter.ts';
import { SinkWorker } from '../src/pipeline/sink-worker.ts';
import type { Sink } from '../src/sinks/sink.ts';

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp dir removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function testConfig(sinks: Record<string, unknown>): TailerConfig {
  return parseConfig(
    { inputs: [{ name: 'app', paths: ['x'] }], sinks, checkpoint: { path: 'cp.json' } },
    '/tmp',
    {},
  );
}

export function makeRecords(
  count: number,
  config: TailerConfig,
  text = (i: number) =>
    `{"timestamp":"2026-01-01T00:00:0${i % 10}.${String(i).padStart(3, '0')}Z","message":"line ${i}"}`,
): LogRecord[] {
  return Array.from({ length: count }, (_, i) =>
    parseLine(Buffer.from(text(i)), {
      truncated: false,
      partial: false,
      input: config.inputs[0]!,
      origin: { path: '/x', fileId: 'file', offset: i * 100 },
      readAt: Date.now(),
      metadataKeys: config.sinks.loki?.structuredMetadataKeys ?? [],
    }),
  );
}

export function workerFor(sink: Sink, retry = { initialMs: 5, maxMs: 20, maxElapsedMs: 0 }) {
  const dir = tempDir('tailer-worker-');
  const deadLetterPath = join(dir, 'dead-letter.jsonl');
  const acked: LogRecord[] = [];
  const metrics = new TailerMetrics({ openFiles: () => 0, bufferedBytes: () => 0, lag: () => [] });
  const worker = new SinkWorker({
    sink,
    bit: 1,
    batch: { maxBytes: 1_000_000, maxWaitMs: 10 },
    retry,
    metrics,
    logger: createLogger('error', () => {}),
    deadLetter: new DeadLetterFile(deadLetterPath),
    acks: { acknowledge: (record) => acked.push(record) },
  });
  const deadLetters = (): { reason: string; line: string; status: number }[] => {
    try {
      return readFileSync(deadLetterPath, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  return { worker, acked, metrics, deadLetters };
}

export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function httpServer(
  handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
