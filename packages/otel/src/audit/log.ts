import * as nodeFs from 'node:fs';
import { resolve } from 'node:path';
import { diag } from '@opentelemetry/api';
import { GENESIS_HASH, HMAC_HASH_ALG, hashAuditEvent } from './canonical.ts';
import type { AuditConfig } from './config.ts';
import { buildAuditEvent } from './event.ts';
import { AuditFileWriter, type AuditFs } from './file-writer.ts';
import { spillPath } from './files.ts';

/** Counters the audit log keeps; also exported as OTel metrics by the preload. */
export interface AuditStats {
  /** Events accepted by `record()`. */
  recorded: number;
  /** Events written to the audit file (including replayed spill). */
  written: number;
  /** Events that failed schema validation (written anyway, flagged). */
  invalid: number;
  /** Events written to the spill file because the audit file could not be written. */
  spilled: number;
  /** Events lost: neither file nor spill could take them and the memory reserve was full. */
  dropped: number;
  /** Times `record()` flushed inline because the queue was full (the caller blocked briefly). */
  blockedFlushes: number;
}

export interface AuditLogOptions
  extends Pick<AuditConfig, 'mode' | 'flushIntervalMs' | 'maxQueue' | 'maxFileBytes'> {
  readonly file: string;
  readonly spillFile?: string | undefined;
  readonly serviceName: () => string;
  readonly fs?: AuditFs & Pick<typeof nodeFs, 'appendFileSync' | 'readFileSync' | 'truncateSync'>;
  /** Called after counters change, so the preload can mirror them into metrics. */
  readonly onStats?: (delta: Partial<AuditStats>) => void;
  /** Key for HMAC-SHA256 hashes (`hash_alg: "hmac-sha256"`); plain SHA-256 without it. */
  readonly hmacKey?: Buffer | undefined;
  /** Register `process.on('exit')` to flush batch mode (default true). */
  readonly flushOnExit?: boolean;
}

/** Lines kept in memory when both the file and the spill fail, before counting drops. */
const RESERVE_FACTOR = 4;

/**
 * The audit log: builds, chains and writes events. All disk work is synchronous and happens either
 * per event (`sync`) or on a timer / when the queue is full (`batch`), so the order on disk is the
 * order of `record()` calls and a process `exit` cannot lose queued events.
 */
export function zeroAuditStats(): AuditStats {
  return { recorded: 0, written: 0, invalid: 0, spilled: 0, dropped: 0, blockedFlushes: 0 };
}

export class AuditLog {
  readonly file: string;
  readonly spillFile: string;
  readonly mode: 'sync' | 'batch';
  readonly #options: AuditLogOptions;
  readonly #fs: NonNullable<AuditLogOptions['fs']>;
  readonly #writer: AuditFileWriter;
  readonly #stats: AuditStats = zeroAuditStats();
  #queue: string[] = [];
  #seq = 0;
  #prevHash: string | undefined;
  #spillPending = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onExit = (): void => this.flush();

  constructor(options: AuditLogOptions) {
    this.#options = options;
    this.file = resolve(options.file);
    this.spillFile = resolve(options.spillFile ?? spillPath(this.file));
    this.mode = options.mode;
    this.#fs = options.fs ?? nodeFs;
    this.#writer = new AuditFileWriter(this.file, options.maxFileBytes, this.#fs);
  }

  stats(): Readonly<AuditStats> {
    return { ...this.#stats };
  }

  #count(delta: Partial<AuditStats>): void {
    for (const [key, value] of Object.entries(delta) as [keyof AuditStats, number][])
      this.#stats[key] += value;
    try {
      this.#options.onStats?.(delta);
    } catch {
      // Metrics are secondary to the trail itself.
    }
  }

  /** First use: continue the chain from disk, replay any spill, start the batch timer. */
  #start(): void {
    if (this.#prevHash !== undefined) return;
    this.#prevHash = GENESIS_HASH;
    try {
      this.#prevHash = this.#lastHashOnDisk() ?? GENESIS_HASH;
    } catch (error) {
      diag.error('tracetail audit: could not read the end of the audit chain', error);
    }
    if (this.mode === 'batch') {
      this.#timer = setInterval(() => this.flush(), this.#options.flushIntervalMs);
      this.#timer.unref();
    }
    if (this.#options.flushOnExit !== false) process.on('exit', this.#onExit);
  }

  #lastHashOnDisk(): string | undefined {
    // Unreplayed spill holds the newest events of the chain (the file was failing when they came).
    if (this.#fs.existsSync(this.spillFile)) {
      const spilled = this.#fs.readFileSync(this.spillFile, 'utf8');
      const lines = spilled.split('\n').filter((line) => line.trim() !== '');
      this.#spillPending = lines.length;
      const last = lines.at(-1);
      if (last !== undefined) {
        try {
          const hash = (JSON.parse(last) as { hash?: unknown }).hash;
          if (typeof hash === 'string') return hash;
        } catch {
          // fall through to the file
        }
      }
    }
    return this.#writer.lastHash();
  }

  /** Records one event. Never throws: failures are counted and reported through `diag`. */
  record(input: unknown): void {
    if (this.#closed) {
      this.#count({ dropped: 1 });
      diag.error('tracetail audit: record() after close(); event counted as dropped');
      return;
    }
    try {
      this.#start();
      this.#seq += 1;
      const event = buildAuditEvent(input, {
        seq: this.#seq,
        serviceName: this.#options.serviceName(),
        now: new Date(),
      });
      if (this.#options.hmacKey !== undefined) event.hash_alg = HMAC_HASH_ALG;
      event.prev_hash = this.#prevHash;
      const hash = hashAuditEvent(event, this.#options.hmacKey);
      event.hash = hash;
      this.#prevHash = hash;
      const line = `${JSON.stringify(event)}\n`;
      this.#count({ recorded: 1, ...(event.validation_error === undefined ? {} : { invalid: 1 }) });
      this.#queue.push(line);
      if (this.mode === 'sync') this.flush();
      else if (this.#queue.length >= this.#options.maxQueue) {
        // Bounded queue: the caller waits for one write + fsync instead of the queue growing.
        this.#count({ blockedFlushes: 1 });
        this.flush();
      }
    } catch (error) {
      this.#count({ dropped: 1 });
      diag.error('tracetail audit: could not build an audit event; counted as dropped', error);
    }
  }

  /** Writes and fsyncs everything queued (and any earlier spill, first). Never throws. */
  flush(): void {
    if (this.#queue.length === 0 && this.#spillPending === 0) return;
    const lines = this.#queue;
    this.#queue = [];
    try {
      if (this.#spillPending > 0) this.#replaySpill();
      this.#writer.append(lines, true);
      this.#count({ written: lines.length });
    } catch (error) {
      diag.error(`tracetail audit: cannot write ${this.file}; spilling ${lines.length} events`, error);
      this.#spill(lines);
    }
  }

  /** Spilled events come before anything queued since, so the chain stays in order in the file. */
  #replaySpill(): void {
    const spilled = this.#fs.readFileSync(this.spillFile, 'utf8');
    const lines = spilled
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => `${line}\n`);
    this.#writer.append(lines, true);
    this.#fs.truncateSync(this.spillFile, 0);
    this.#spillPending = 0;
    this.#count({ written: lines.length });
  }

  #spill(lines: string[]): void {
    try {
      this.#fs.appendFileSync(this.spillFile, lines.join(''), { mode: 0o640 });
      this.#spillPending += lines.length;
      this.#count({ spilled: lines.length });
    } catch (error) {
      // Last resort: keep them in memory for the next flush, within a bound, and count the rest.
      const reserve = this.#options.maxQueue * RESERVE_FACTOR;
      const keep = Math.max(0, Math.min(lines.length, reserve - this.#queue.length));
      this.#queue = [...lines.slice(0, keep), ...this.#queue];
      if (keep < lines.length) {
        this.#count({ dropped: lines.length - keep });
        diag.error(
          `tracetail audit: spill ${this.spillFile} failed too; ${lines.length - keep} events dropped`,
          error,
        );
      }
    }
  }

  /** Flushes and releases the file; later `record()` calls are counted as dropped. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    process.off('exit', this.#onExit);
    try {
      this.#writer.close();
    } catch (error) {
      diag.error('tracetail audit: close failed', error);
    }
  }
}
