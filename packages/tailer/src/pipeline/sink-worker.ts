// One per sink: takes the batches its Batcher seals, sends them one at a time, retries with backoff
// under a deadline, splits on 413, sets refused records aside, and acknowledges records to their
// file's offset tracker.
import { type Batch, Batcher } from '../batch/batcher.ts';
import type { BatchConfig, RetryConfig } from '../config/types.ts';
import { SinkRetryableError, SinkTooLargeError } from '../errors.ts';
import type { Logger } from '../observe/logger.ts';
import { labelsFor, type TailerMetrics } from '../observe/metrics.ts';
import type { LogRecord } from '../parse/record.ts';
import type { Rejection, SendResult, Sink } from '../sinks/sink.ts';
import { backoffDelay, sleep } from './backoff.ts';
import type { DeadLetterFile } from './dead-letter.ts';

export interface AckTarget {
  /** Called once per record when this sink is done with it (delivered or set aside). */
  acknowledge(record: LogRecord, sinkBit: number): void;
}

export class SinkWorker {
  readonly sink: Sink;
  readonly bit: number;
  readonly #batcher: Batcher;
  readonly #retry: RetryConfig;
  readonly #metrics: TailerMetrics;
  readonly #logger: Logger;
  readonly #deadLetter: DeadLetterFile;
  readonly #acks: AckTarget;
  readonly #sealed: Batch[] = [];
  #wake: (() => void) | undefined;
  #inFlight = false;
  #stopping = false;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** Time of the first failure of the current delivery; undefined while healthy. */
  #failingSince: number | undefined;
  #started = false;

  constructor(opts: {
    sink: Sink;
    bit: number;
    batch: BatchConfig;
    retry: RetryConfig;
    metrics: TailerMetrics;
    logger: Logger;
    deadLetter: DeadLetterFile;
    acks: AckTarget;
  }) {
    this.sink = opts.sink;
    this.bit = opts.bit;
    this.#batcher = new Batcher(
      opts.batch,
      (record) => opts.sink.sizeOf(record),
      (batch) => {
        this.#sealed.push(batch);
        this.#wake?.();
      },
    );
    this.#retry = opts.retry;
    this.#metrics = opts.metrics;
    this.#logger = opts.logger;
    this.#deadLetter = opts.deadLetter;
    this.#acks = opts.acks;
  }

  /** Healthy = started and not stuck retrying for longer than a minute. */
  get healthy(): boolean {
    return this.#started && (this.#failingSince === undefined || Date.now() - this.#failingSince < 60_000);
  }

  get idle(): boolean {
    return this.#batcher.openCount === 0 && this.#sealed.length === 0 && !this.#inFlight;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  push(record: LogRecord): void {
    this.#batcher.add(record);
  }

  seal(): void {
    this.#batcher.seal();
  }

  /** Sends what is queued until `deadline`, then abandons the rest (its positions stay uncommitted). */
  async stop(deadline: number): Promise<void> {
    this.seal();
    this.#stopping = true;
    this.#wake?.();
    const timer = setTimeout(() => this.#abort.abort(), Math.max(0, deadline - Date.now()));
    try {
      await this.#loop;
    } finally {
      clearTimeout(timer);
    }
    await this.sink.close();
  }

  async #run(): Promise<void> {
    await this.#startSink();
    while (!this.#abort.signal.aborted) {
      const batch = this.#sealed.shift();
      if (!batch) {
        if (this.#stopping) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      this.#inFlight = true;
      try {
        await this.#deliver(batch);
      } finally {
        this.#inFlight = false;
      }
    }
  }

  async #startSink(): Promise<void> {
    for (let attempt = 0; !this.#abort.signal.aborted; attempt++) {
      try {
        await this.sink.start(this.#abort.signal);
        this.#started = true;
        this.#failingSince = undefined;
        return;
      } catch (error) {
        this.#failingSince ??= Date.now();
        this.#logger.warn('sink setup failed; retrying', { sink: this.sink.name, error, attempt });
        await sleep(backoffDelay(attempt, this.#retry.initialMs, this.#retry.maxMs), this.#abort.signal);
      }
    }
  }

  async #deliver(batch: Batch): Promise<void> {
    const sinkLabel = labelsFor('sink', this.sink.name);
    let pending: readonly LogRecord[] = batch.records;
    const firstTry = Date.now();
    for (let attempt = 0; pending.length > 0 && !this.#abort.signal.aborted; attempt++) {
      let result: SendResult;
      try {
        result = await this.#sendSplitting(pending);
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        this.#failingSince ??= Date.now();
        this.#metrics.retries.inc(sinkLabel);
        const status = error instanceof SinkRetryableError ? error.status : 0;
        this.#logger.warn('sink request failed; retrying', {
          sink: this.sink.name,
          status,
          error,
          attempt,
          lines: pending.length,
        });
        pending = await this.#expireApp(pending, firstTry, `retry deadline exceeded after status ${status}`);
        await sleep(backoffDelay(attempt, this.#retry.initialMs, this.#retry.maxMs), this.#abort.signal);
        continue;
      }
      this.#failingSince = undefined;
      const retrySet = new Set(result.retry);
      const rejectedSet = new Set(result.rejected.map((r) => r.record));
      if (result.rejected.length > 0 && !(await this.#setAside(result.rejected))) {
        // The dead-letter file could not be written: keep those records pending and try again.
        for (const r of result.rejected) retrySet.add(r.record);
        rejectedSet.clear();
      }
      let shippedBytes = 0;
      let shipped = 0;
      for (const record of pending) {
        if (retrySet.has(record)) continue;
        if (!rejectedSet.has(record)) {
          shipped++;
          shippedBytes += record.bytes;
        }
        this.#acks.acknowledge(record, this.bit);
      }
      this.#metrics.linesShipped.inc(sinkLabel, shipped);
      this.#metrics.bytesShipped.inc(sinkLabel, shippedBytes);
      if (result.duplicates > 0) this.#metrics.duplicates.inc(sinkLabel, result.duplicates);
      pending = pending.filter((r) => retrySet.has(r));
      if (pending.length > 0) {
        this.#metrics.retries.inc(sinkLabel);
        pending = await this.#expireApp(pending, firstTry, 'retry deadline exceeded for item');
        await sleep(backoffDelay(attempt, this.#retry.initialMs, this.#retry.maxMs), this.#abort.signal);
      }
    }
    if (pending.length === 0)
      this.#metrics.batchLatency.observe(sinkLabel, (Date.now() - batch.sealedAt) / 1000);
  }

  /** Past the retry deadline, app lines are set aside; audit lines keep waiting: that lane never drops. */
  async #expireApp(
    pending: readonly LogRecord[],
    since: number,
    reason: string,
  ): Promise<readonly LogRecord[]> {
    if (this.#retry.maxElapsedMs === 0 || Date.now() - since < this.#retry.maxElapsedMs) return pending;
    const expired = pending.filter((r) => r.stream === 'app');
    if (expired.length === 0) return pending;
    if (!(await this.#setAside(expired.map((record) => ({ record, status: 0, reason }))))) return pending;
    for (const record of expired) this.#acks.acknowledge(record, this.bit);
    return pending.filter((r) => r.stream !== 'app');
  }

  async #setAside(rejections: readonly Rejection[]): Promise<boolean> {
    try {
      await this.#deadLetter.write(rejections.map((r) => ({ sink: this.sink.name, ...r })));
    } catch (error) {
      this.#logger.error('cannot write the dead-letter file; lines stay pending', {
        path: this.#deadLetter.path,
        error,
      });
      return false;
    }
    for (const r of rejections) {
      const reasonLabel = r.reason.replace(/[^a-zA-Z_ ]/g, '').slice(0, 40);
      this.#metrics.linesFailed.inc({ sink: this.sink.name, status: String(r.status), reason: reasonLabel });
    }
    this.#metrics.linesDeadLettered.inc({ sink: this.sink.name }, rejections.length);
    this.#logger.warn('lines set aside in the dead-letter file', {
      sink: this.sink.name,
      lines: rejections.length,
      reason: rejections[0]?.reason,
    });
    return true;
  }

  /** 413: halve and try again; a single record still too large is set aside. */
  async #sendSplitting(records: readonly LogRecord[]): Promise<SendResult> {
    try {
      return await this.sink.send(records, this.#abort.signal);
    } catch (error) {
      if (!(error instanceof SinkTooLargeError)) throw error;
      if (records.length === 1) {
        return {
          rejected: [{ record: records[0]!, status: 413, reason: error.message }],
          retry: [],
          duplicates: 0,
        };
      }
      const middle = Math.ceil(records.length / 2);
      const first = await this.#sendSplitting(records.slice(0, middle));
      const second = await this.#sendSplitting(records.slice(middle));
      return {
        rejected: [...first.rejected, ...second.rejected],
        retry: [...first.retry, ...second.retry],
        duplicates: first.duplicates + second.duplicates,
      };
    }
  }
}
