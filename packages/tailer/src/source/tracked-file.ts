// One file being followed: its identity (device + inode + fingerprint of its first line), its read
// position, its line splitter and the offset tracker of its current generation. A truncation or an
// inode reused by a different file starts a new generation at offset 0.
import { createHash } from 'node:crypto';
import { readSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { InputConfig } from '../config/types.ts';
import { OffsetTracker } from '../pipeline/offset-tracker.ts';
import type { FileCheckpoint } from './checkpoint.ts';
import { LineSplitter, type SplitLine } from './line-splitter.ts';

export function identityKey(stats: Pick<Stats, 'dev' | 'ino'>): string {
  return `${stats.dev}:${stats.ino}`;
}

function hash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface TrackedFileOptions {
  readonly maxLineBytes: number;
  readonly fingerprintBytes: number;
  readonly sinkNames: readonly string[];
  readonly onReleased: (bytes: number) => void;
}

export class TrackedFile {
  readonly key: string;
  readonly dev: number;
  readonly ino: number;
  readonly input: InputConfig;
  path: string;
  handle: FileHandle | undefined;
  readOffset = 0;
  knownSize = 0;
  fingerprint: string | undefined;
  fingerprintLength = 0;
  /** `${dev}-${ino}-${fingerprint prefix}`: the stable half of each Elasticsearch `_id`. */
  fileId = '';
  tracker: OffsetTracker;
  /** Per sink (by index): lines starting before this offset were already delivered to that sink. */
  sinkStarts: number[];
  splitter: LineSplitter;
  /** The path no longer leads here (renamed out of the globs, or deleted): drain, then let go. */
  gone = false;
  goneAt = 0;
  atEof = false;
  dirty = true;
  lastDataAt = Date.now();
  readonly #options: TrackedFileOptions;

  constructor(path: string, stats: Stats, input: InputConfig, options: TrackedFileOptions) {
    this.key = identityKey(stats);
    this.dev = stats.dev;
    this.ino = stats.ino;
    this.path = path;
    this.input = input;
    this.knownSize = stats.size;
    this.#options = options;
    this.tracker = new OffsetTracker(0, options.onReleased);
    this.sinkStarts = options.sinkNames.map(() => 0);
    this.splitter = new LineSplitter(options.maxLineBytes, 0);
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  async open(): Promise<void> {
    this.handle ??= await open(this.path, 'r');
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /**
   * Resumes from a checkpoint if the file still starts with the same bytes; otherwise (inode reused by
   * a new file, or truncated and rewritten) starts at 0. Returns whether the checkpoint applied.
   */
  async resume(checkpoint: FileCheckpoint): Promise<boolean> {
    // Offset 0 is still worth resuming: one sink may be far ahead of the slowest (per-sink positions).
    if (!checkpoint.fingerprint) return false;
    if (!(await this.#matchesFingerprint(checkpoint.fingerprint, checkpoint.fingerprintLength))) return false;
    this.#setFingerprint(checkpoint.fingerprint, checkpoint.fingerprintLength);
    this.readOffset = checkpoint.offset;
    this.tracker = new OffsetTracker(checkpoint.offset, this.#options.onReleased);
    this.sinkStarts = this.#options.sinkNames.map((name) =>
      Math.max(checkpoint.offset, checkpoint.sinks[name] ?? checkpoint.offset),
    );
    this.splitter = new LineSplitter(this.#options.maxLineBytes, checkpoint.offset);
    return true;
  }

  /** Still the same content at the start? False after a truncate + rewrite that regrew past our offset. */
  async fingerprintStillMatches(): Promise<boolean> {
    if (!this.fingerprint) return true;
    return this.#matchesFingerprint(this.fingerprint, this.fingerprintLength);
  }

  /** Starts a new generation at offset 0 (after a truncation or a content change). */
  restart(): void {
    this.readOffset = 0;
    this.fingerprint = undefined;
    this.fingerprintLength = 0;
    this.fileId = '';
    this.tracker = new OffsetTracker(0, this.#options.onReleased);
    this.sinkStarts = this.#options.sinkNames.map(() => 0);
    this.splitter = new LineSplitter(this.#options.maxLineBytes, 0);
    this.atEof = false;
    this.dirty = true;
  }

  /** Reads one chunk at the read position; returns the byte count (0 at end of file). */
  async readChunk(buffer: Buffer, onLine: (file: TrackedFile, line: SplitLine) => void): Promise<number> {
    if (!this.handle) return 0;
    const offset = this.readOffset;
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, offset);
    if (bytesRead === 0) {
      this.atEof = true;
      return 0;
    }
    this.atEof = false;
    this.lastDataAt = Date.now();
    this.readOffset = offset + bytesRead;
    if (this.readOffset > this.knownSize) this.knownSize = this.readOffset;
    this.splitter.push(buffer.subarray(0, bytesRead), offset, (line) => this.#emit(line, onLine));
    return bytesRead;
  }

  /** Emits a held partial line (the file ended without a newline and stayed idle, or is gone). */
  flushPartial(onLine: (file: TrackedFile, line: SplitLine) => void): void {
    this.splitter.flush(this.readOffset, (line) => this.#emit(line, onLine));
  }

  #emit(line: SplitLine, onLine: (file: TrackedFile, line: SplitLine) => void): void {
    if (line.start === 0 && !this.fingerprint && this.handle) {
      // The first line never changes once written, so it identifies this file's content for good.
      const length = Math.min(this.#options.fingerprintBytes, line.end);
      const bytes = Buffer.allocUnsafe(length);
      const read = readSync(this.handle.fd, bytes, 0, length, 0);
      this.#setFingerprint(hash(bytes.subarray(0, read)), read);
    }
    onLine(this, line);
  }

  #setFingerprint(fingerprint: string, length: number): void {
    this.fingerprint = fingerprint;
    this.fingerprintLength = length;
    this.fileId = `${this.dev}-${this.ino}-${fingerprint.slice(0, 16)}`;
  }

  async #matchesFingerprint(fingerprint: string, length: number): Promise<boolean> {
    const handle = this.handle ?? (await open(this.path, 'r'));
    try {
      const bytes = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(bytes, 0, length, 0);
      return bytesRead === length && hash(bytes) === fingerprint;
    } finally {
      if (handle !== this.handle) await handle.close();
    }
  }
}
