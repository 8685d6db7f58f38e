// Groups one sink's records into batches: a batch is sealed when its encoded size reaches
// `maxBytes` or `maxWaitMs` after its first record, whichever comes first. Sizes are the sink's
// own estimate, so a Loki batch and an Elasticsearch batch of the same lines seal at their own
// limits. No queue lives here: sealed batches go straight to `onSeal`, and what is in flight is
// bounded by the tailer's byte budget, which stops reading when it is spent.
import type { BatchConfig } from '../config/types.ts';
import type { LogRecord } from '../parse/record.ts';

export interface Batch {
  readonly records: readonly LogRecord[];
  /** Encoded size, as the sink estimated it. */
  readonly bytes: number;
  /** When the batch was sealed (ms since the epoch): the start of its delivery latency. */
  readonly sealedAt: number;
}

export class Batcher {
  readonly #limits: BatchConfig;
  readonly #sizeOf: (record: LogRecord) => number;
  readonly #onSeal: (batch: Batch) => void;
  #records: LogRecord[] = [];
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(limits: BatchConfig, sizeOf: (record: LogRecord) => number, onSeal: (batch: Batch) => void) {
    this.#limits = limits;
    this.#sizeOf = sizeOf;
    this.#onSeal = onSeal;
  }

  /** Records in the open (not yet sealed) batch. */
  get openCount(): number {
    return this.#records.length;
  }

  add(record: LogRecord): void {
    this.#records.push(record);
    this.#bytes += this.#sizeOf(record);
    if (this.#bytes >= this.#limits.maxBytes) this.seal();
    else this.#timer ??= setTimeout(() => this.seal(), this.#limits.maxWaitMs);
  }

  /** Seals the open batch now (on the size or time limit, at shutdown, at the end of a dry run). */
  seal(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#records.length === 0) return;
    const batch: Batch = { records: this.#records, bytes: this.#bytes, sealedAt: Date.now() };
    this.#records = [];
    this.#bytes = 0;
    this.#onSeal(batch);
  }
}
