// The tailer: source (discovery + tracked files) → parse → per-sink batch → sinks, with a byte budget
// shared by all in-flight lines. When the budget is spent (a sink is slow or down) reading pauses, so
// memory stays bounded whatever the backlog. Positions are committed only once every sink has
// acknowledged every line before them, and written atomically.
import type { FSWatcher } from 'chokidar';
import type { TailerConfig } from '../config/types.ts';
import type { Logger } from '../observe/logger.ts';
import { labelsFor, TailerMetrics } from '../observe/metrics.ts';
import { type ObservabilityServer, startServer } from '../observe/server.ts';
import { type LogRecord, parseLine } from '../parse/record.ts';
import { DryRunSink } from '../sinks/dry-run.ts';
import { ElasticsearchSink } from '../sinks/elasticsearch.ts';
import { LokiSink } from '../sinks/loki.ts';
import type { Sink } from '../sinks/sink.ts';
import {
  type CheckpointData,
  type FileCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '../source/checkpoint.ts';
import { type FoundFile, sweep, watchInputs } from '../source/discovery.ts';
import type { SplitLine } from '../source/line-splitter.ts';
import { identityKey, TrackedFile } from '../source/tracked-file.ts';
import { sleep } from './backoff.ts';
import { DeadLetterFile } from './dead-letter.ts';
import type { OffsetTracker } from './offset-tracker.ts';
import { SinkWorker } from './sink-worker.ts';

export interface TailerOptions {
  readonly logger: Logger;
  /** Print what would be sent instead of sending; no checkpoint is written; `done` resolves at EOF. */
  readonly dryRun?: boolean;
  readonly dryRunWrite?: (text: string) => void;
  /** For tests: sinks to use instead of the configured ones (same order as config.sinks). */
  readonly sinks?: readonly Sink[];
}

type TrackedRecord = LogRecord & { tracker?: OffsetTracker };

export class Tailer {
  readonly config: TailerConfig;
  readonly metrics: TailerMetrics;
  readonly #logger: Logger;
  readonly #dryRun: boolean;
  #workers: SinkWorker[] = [];
  readonly #options: TailerOptions;
  readonly #deadLetter: DeadLetterFile;
  readonly #files = new Map<string, TrackedFile>();
  /** Checkpoint entries of files not (yet) seen in this run. */
  readonly #previous = new Map<string, FileCheckpoint>();
  #buffered = 0;
  #stopping = false;
  #started = false;
  #wake: (() => void) | undefined;
  #sweepRequested = true;
  #nextSweepAt = 0;
  #firstSweepDone = false;
  #watcher: FSWatcher | undefined;
  #server: ObservabilityServer | undefined;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #checkpointWriting: Promise<void> | undefined;
  #lastCheckpointJson = '';
  #checkpointPending: NodeJS.Timeout | undefined;
  #lastCheckpointAt = 0;
  #checkpointDirty = false;
  #loop: Promise<void> | undefined;
  #resolveDone: (() => void) | undefined;
  readonly done: Promise<void>;
  #warnedOpenFiles = false;
  readonly #metadataKeys: readonly string[];

  constructor(config: TailerConfig, options: TailerOptions) {
    this.config = config;
    this.#logger = options.logger;
    this.#dryRun = options.dryRun ?? false;
    this.#metadataKeys = config.sinks.loki?.structuredMetadataKeys ?? [];
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    this.metrics = new TailerMetrics({
      openFiles: () => [...this.#files.values()].filter((f) => f.isOpen).length,
      bufferedBytes: () => this.#buffered,
      lag: () => this.#lag(),
    });
    this.#deadLetter = new DeadLetterFile(config.deadLetter.path!);
    this.#options = options;
  }

  get serverPort(): number | undefined {
    return this.#server?.port;
  }

  get ready(): boolean {
    return this.#started && !this.#stopping && this.#workers.every((w) => w.healthy);
  }

  async start(): Promise<void> {
    const sinks = this.#options.sinks ?? (await this.#createSinks(this.#options));
    if (sinks.length > 30) throw new Error('at most 30 sinks');
    this.#workers = sinks.map((sink, i) => {
      const sinkConfig = sink.name === 'loki' ? this.config.sinks.loki : this.config.sinks.elasticsearch;
      return new SinkWorker({
        sink,
        bit: 1 << i,
        batch: sinkConfig?.batch ?? { maxBytes: 1_048_576, maxWaitMs: 500 },
        retry: sinkConfig?.retry ?? { initialMs: 250, maxMs: 30_000, maxElapsedMs: 0 },
        metrics: this.metrics,
        logger: this.#logger,
        deadLetter: this.#deadLetter,
        acks: {
          acknowledge: (record, bit) => {
            (record as TrackedRecord).tracker?.acknowledge(record.pending!, bit);
            this.#checkpointSoon();
          },
        },
      });
    });
    if (!this.#dryRun) {
      const checkpoint = readCheckpoint(this.config.checkpoint.path);
      for (const [key, entry] of Object.entries(checkpoint.files)) this.#previous.set(key, entry);
    }
    if (this.config.server.enabled && !this.#dryRun) {
      this.#server = await startServer(this.config.server.host, this.config.server.port, {
        metrics: () => this.metrics.registry.render(),
        ready: () => this.ready,
      });
    }
    for (const worker of this.#workers) worker.start();
    if (this.config.discovery.watch && !this.#dryRun) {
      this.#watcher = watchInputs(
        this.config.inputs,
        (event, path) => this.#hint(event, path),
        (error) => this.#logger.warn('file watcher error; relying on the stat sweep', { error }),
      );
    }
    if (!this.#dryRun) {
      // A fallback for positions that move without an acknowledgement (empty lines, drained files).
      this.#checkpointTimer = setInterval(() => void this.#saveCheckpoint(), 1_000);
    }
    this.#loop = this.#run();
    this.#started = true;
    this.#logger.info('tailer started', {
      inputs: this.config.inputs.map((i) => ({ name: i.name, paths: i.paths, stream: i.stream })),
      sinks: this.#workers.map((w) => w.sink.name),
      metricsPort: this.#server?.port,
      dryRun: this.#dryRun,
    });
  }

  /** Stops reading, gives in-flight batches until the deadline, commits what was acknowledged. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const deadline = Date.now() + this.config.shutdown.deadlineMs;
    this.#wake?.();
    await this.#watcher?.close();
    await this.#loop;
    await Promise.all(this.#workers.map((w) => w.stop(deadline)));
    if (this.#checkpointTimer) clearInterval(this.#checkpointTimer);
    if (this.#checkpointPending) clearTimeout(this.#checkpointPending);
    await this.#checkpointWriting;
    if (!this.#dryRun) await this.#saveCheckpoint();
    for (const file of this.#files.values()) await file.close();
    await this.#deadLetter.close();
    await this.#server?.close();
    this.#logger.info('tailer stopped', {
      buffered: this.#buffered,
      committed: Object.fromEntries([...this.#files.values()].map((f) => [f.path, f.tracker.committed])),
    });
    this.#resolveDone?.();
  }

  async #createSinks(options: TailerOptions): Promise<Sink[]> {
    const sinks: Sink[] = [];
    const write = options.dryRunWrite ?? ((text: string) => process.stdout.write(text));
    const { loki, elasticsearch } = this.config.sinks;
    if (loki) sinks.push(this.#dryRun ? DryRunSink.loki(loki, write) : new LokiSink(loki));
    if (elasticsearch) {
      sinks.push(
        this.#dryRun
          ? DryRunSink.elasticsearch(elasticsearch.indexPrefix, write)
          : await ElasticsearchSink.create(elasticsearch),
      );
    }
    return sinks;
  }

  #hint(event: 'add' | 'change' | 'unlink', path: string): void {
    if (event !== 'change') this.#sweepRequested = true;
    for (const file of this.#files.values()) if (file.path === path) file.dirty = true;
    this.#wake?.();
  }

  #release = (bytes: number): void => {
    const wasFull = this.#buffered >= this.config.pipeline.maxBufferedBytes;
    this.#buffered -= bytes;
    if (wasFull && this.#buffered < this.config.pipeline.maxBufferedBytes) this.#wake?.();
  };

  async #run(): Promise<void> {
    const buffer = Buffer.allocUnsafe(this.config.reader.chunkBytes);
    const onLine = (file: TrackedFile, line: SplitLine) => this.#onLine(file, line);
    while (!this.#stopping) {
      try {
        const now = Date.now();
        if (this.#sweepRequested || now >= this.#nextSweepAt) {
          this.#sweepRequested = false;
          this.#nextSweepAt = now + this.config.discovery.sweepIntervalMs;
          await this.#sweep();
        }
        let readBytes = 0;
        for (const file of [...this.#files.values()]) {
          if (this.#stopping) break;
          if (this.#buffered >= this.config.pipeline.maxBufferedBytes) break;
          if (!file.isOpen || (file.atEof && !file.dirty)) continue;
          // A file that was at its end and now has more may have been truncated and rewritten in
          // between: check its size and first line before reading on from the old position.
          if (file.atEof) await this.#checkTruncation(file);
          file.dirty = false;
          const n = await file.readChunk(buffer, onLine);
          this.metrics.bytesRead.inc(labelsFor('input', file.input.name), n);
          readBytes += n;
          if (n > 0) file.dirty = true; // more may follow: read again next pass
        }
        await this.#maintain(onLine);
        if (readBytes === 0) {
          if (this.#dryRun && this.#firstSweepDone && this.#dryRunFinished()) {
            for (const file of this.#files.values()) file.flushPartial(onLine);
            for (const worker of this.#workers) worker.seal();
            while (!this.#workers.every((w) => w.idle)) await sleep(20);
            void this.stop();
            return;
          }
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
            setTimeout(resolve, 250);
          });
          this.#wake = undefined;
        } else {
          // Let acknowledgements and timers run between read passes.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        this.#logger.error('read loop error; continuing', { error });
        await sleep(250);
      }
    }
  }

  #dryRunFinished(): boolean {
    return [...this.#files.values()].every((f) => !f.isOpen || (f.atEof && !f.dirty));
  }

  #onLine(file: TrackedFile, line: SplitLine): void {
    const readAt = Date.now();
    const inputLabel = labelsFor('input', file.input.name);
    this.metrics.linesRead.inc(inputLabel);
    if (line.bytes.length === 0 && !line.truncated) {
      this.metrics.emptyLines.inc(inputLabel);
      file.tracker.add(line.end, 0, 0, readAt);
      return;
    }
    let mask = 0;
    for (let i = 0; i < this.#workers.length; i++) if (line.start >= file.sinkStarts[i]!) mask |= 1 << i;
    if (mask === 0) {
      file.tracker.add(line.end, 0, 0, readAt);
      return;
    }
    const record = parseLine(line.bytes, {
      truncated: line.truncated,
      partial: line.partial,
      input: file.input,
      origin: { path: file.path, fileId: file.fileId, offset: line.start },
      readAt,
      metadataKeys: this.#metadataKeys,
    }) as TrackedRecord;
    for (const flag of record.flags) this.metrics.linesFlagged.inc({ input: file.input.name, flag });
    this.#buffered += record.bytes;
    record.sinkMask = mask;
    record.tracker = file.tracker;
    record.pending = file.tracker.add(line.end, record.bytes, mask, readAt);
    for (const worker of this.#workers) if ((mask & worker.bit) !== 0) worker.push(record);
  }

  async #sweep(): Promise<void> {
    let found: FoundFile[];
    try {
      found = await sweep(this.config.inputs);
    } catch (error) {
      this.#logger.warn('file sweep failed', { error });
      return;
    }
    const seen = new Set<string>();
    for (const entry of found) {
      const key = identityKey(entry.stats);
      seen.add(key);
      const file = this.#files.get(key);
      if (file) {
        if (file.path !== entry.path) {
          this.#logger.info('file renamed', { from: file.path, to: entry.path });
          file.path = entry.path;
        }
        if (file.gone) file.gone = false;
        file.knownSize = entry.stats.size;
        if (entry.stats.size !== file.readOffset) file.dirty = true;
        if (!file.isOpen && entry.stats.size > file.readOffset) await this.#reopen(file);
        continue;
      }
      await this.#track(entry, key);
    }
    for (const key of this.#previous.keys()) if (!seen.has(key)) this.#previous.delete(key);
    for (const file of this.#files.values()) {
      if (!seen.has(file.key) && !file.gone) {
        file.gone = true;
        file.goneAt = Date.now();
        file.dirty = true;
        this.metrics.rotations.inc({ input: file.input.name });
        this.#logger.info('file rotated or deleted; draining it', {
          path: file.path,
          offset: file.readOffset,
        });
      }
      if (file.isOpen) await this.#checkTruncation(file);
    }
    this.#firstSweepDone = true;
  }

  async #track(entry: FoundFile, key: string): Promise<void> {
    const open = [...this.#files.values()].filter((f) => f.isOpen).length;
    if (open >= this.config.reader.maxOpenFiles) {
      if (!this.#warnedOpenFiles) {
        this.#logger.warn('open file limit reached; new files wait for a free slot', {
          maxOpenFiles: this.config.reader.maxOpenFiles,
        });
        this.#warnedOpenFiles = true;
      }
      return;
    }
    const file = new TrackedFile(entry.path, entry.stats, entry.input, {
      maxLineBytes: this.config.reader.maxLineBytes,
      fingerprintBytes: this.config.reader.fingerprintBytes,
      sinkNames: this.#workers.map((w) => w.sink.name),
      onReleased: this.#release,
    });
    try {
      await file.open();
      const checkpoint = this.#previous.get(key);
      if (checkpoint) {
        this.#previous.delete(key);
        const resumed = await file.resume(checkpoint);
        if (!resumed && checkpoint.offset > 0) {
          this.#logger.info(
            'file content differs from its checkpoint (inode reused or rewritten); reading from 0',
            {
              path: entry.path,
            },
          );
        }
      }
    } catch (error) {
      await file.close();
      this.#logger.warn('cannot open file; will retry', { path: entry.path, error });
      return;
    }
    this.#files.set(key, file);
    this.#logger.info('following file', {
      path: entry.path,
      input: entry.input.name,
      offset: file.readOffset,
    });
  }

  async #reopen(file: TrackedFile): Promise<void> {
    if ([...this.#files.values()].filter((f) => f.isOpen).length >= this.config.reader.maxOpenFiles) return;
    try {
      await file.open();
      const stats = await file.handle!.stat();
      if (identityKey(stats) !== file.key) {
        // The path now names another file; the one we knew is gone.
        await file.close();
        file.gone = true;
        return;
      }
      file.dirty = true;
    } catch {
      file.gone = true;
    }
  }

  async #checkTruncation(file: TrackedFile): Promise<void> {
    let size: number;
    try {
      size = (await file.handle!.stat()).size;
    } catch {
      return;
    }
    const truncated = size < file.readOffset;
    const rewritten = !truncated && !(await file.fingerprintStillMatches());
    if (!truncated && !rewritten) {
      file.knownSize = size;
      return;
    }
    const unread = Math.max(0, file.knownSize - file.readOffset);
    this.metrics.truncations.inc({ input: file.input.name });
    if (unread > 0) this.metrics.truncatedUnreadBytes.inc({ input: file.input.name }, unread);
    this.#logger.warn('file truncated; reading it again from the start', {
      path: file.path,
      readOffset: file.readOffset,
      size,
      unreadBytesLost: unread,
    });
    file.restart();
    file.knownSize = size;
  }

  /** Partial-line flushes, letting go of drained rotated files, closing idle ones. */
  async #maintain(onLine: (file: TrackedFile, line: SplitLine) => void): Promise<void> {
    const now = Date.now();
    const { partialLineFlushMs, rotatedGraceMs, closeInactiveMs } = this.config.reader;
    for (const file of [...this.#files.values()]) {
      if (!file.atEof || file.dirty) continue;
      const idleFor = now - file.lastDataAt;
      if (file.splitter.hasPending && partialLineFlushMs > 0 && idleFor >= partialLineFlushMs) {
        file.flushPartial(onLine);
      }
      if (file.gone && now - file.goneAt >= rotatedGraceMs && idleFor >= rotatedGraceMs) {
        file.flushPartial(onLine);
        await file.close();
        if (file.tracker.pendingCount === 0) {
          this.#files.delete(file.key);
          this.#logger.info('released drained file', { path: file.path, offset: file.readOffset });
        }
      } else if (!file.gone && file.isOpen && idleFor >= closeInactiveMs && !file.splitter.hasPending) {
        await file.close();
      }
    }
  }

  *#lag(): Iterable<{ path: string; bytes: number; seconds: number }> {
    const now = Date.now();
    for (const file of this.#files.values()) {
      const oldest = file.tracker.oldestPendingReadAt;
      yield {
        path: file.path,
        bytes: Math.max(0, file.knownSize - file.tracker.committed),
        seconds: oldest === undefined ? 0 : (now - oldest) / 1000,
      };
    }
  }

  #checkpointData(): CheckpointData {
    const files: Record<string, FileCheckpoint> = {};
    for (const [key, entry] of this.#previous) files[key] = entry;
    for (const file of this.#files.values()) {
      if (!file.fingerprint) continue;
      files[file.key] = {
        path: file.path,
        fingerprint: file.fingerprint,
        fingerprintLength: file.fingerprintLength,
        offset: file.tracker.committed,
        sinks: Object.fromEntries(this.#workers.map((w) => [w.sink.name, file.tracker.sinkPosition(w.bit)])),
      };
    }
    return { version: 1, files };
  }

  /**
   * Writes the checkpoint shortly after acknowledgements, at most once per `checkpoint.intervalMs`:
   * the shorter the gap between a sink's acknowledgement and the checkpoint, the less a crash resends.
   */
  #checkpointSoon(): void {
    if (this.#dryRun || this.#checkpointPending) return;
    this.#checkpointPending = setTimeout(
      () => {
        this.#checkpointPending = undefined;
        void this.#saveCheckpoint().then(() => {
          this.#lastCheckpointAt = Date.now();
        });
      },
      Math.max(0, this.#lastCheckpointAt + this.config.checkpoint.intervalMs - Date.now()),
    );
  }

  #saveCheckpoint(): Promise<void> {
    if (this.#checkpointWriting) {
      this.#checkpointDirty = true;
      return this.#checkpointWriting;
    }
    const data = this.#checkpointData();
    const json = JSON.stringify(data);
    if (json === this.#lastCheckpointJson) return Promise.resolve();
    this.#checkpointWriting = writeCheckpoint(this.config.checkpoint.path, data)
      .then(() => {
        this.#lastCheckpointJson = json;
      })
      .catch((error: unknown) =>
        this.#logger.error('checkpoint write failed', { path: this.config.checkpoint.path, error }),
      )
      .finally(() => {
        this.#checkpointWriting = undefined;
        if (this.#checkpointDirty && !this.#stopping) {
          this.#checkpointDirty = false;
          this.#checkpointSoon();
        }
      });
    return this.#checkpointWriting;
  }
}
