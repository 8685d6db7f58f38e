import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';
import { highestRotationIndex, rotatedPath } from './files.ts';

/** The file-system calls the writer makes; tests swap in failures to exercise the spill path. */
export type AuditFs = Pick<
  typeof nodeFs,
  | 'openSync'
  | 'writeSync'
  | 'fsyncSync'
  | 'closeSync'
  | 'renameSync'
  | 'fstatSync'
  | 'mkdirSync'
  | 'readSync'
  | 'existsSync'
  | 'statSync'
>;

const TAIL_READ_BYTES = 256 * 1024;

/**
 * Appends lines to the active audit file with size-based rotation. Every call is synchronous so
 * that order on disk is the order of `record()` calls and an `exit` handler can still flush.
 */
export class AuditFileWriter {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #fs: AuditFs;
  #fd: number | undefined;
  #size = 0;
  #nextIndex = 1;

  constructor(path: string, maxBytes: number, fs: AuditFs = nodeFs) {
    this.path = path;
    this.#maxBytes = maxBytes;
    this.#fs = fs;
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    this.#fs.mkdirSync(dirname(this.path), { recursive: true, mode: 0o750 });
    // 0o640: audit trails can name users and resources; keep them from other local users.
    const fd = this.#fs.openSync(this.path, 'a', 0o640);
    this.#fd = fd;
    this.#size = this.#fs.fstatSync(fd).size;
    this.#nextIndex = highestRotationIndex(this.path) + 1;
    return fd;
  }

  /** `hash` of the last complete event on disk (active file, else the newest rotated file). */
  lastHash(): string | undefined {
    const candidates = [this.path];
    const highest = highestRotationIndex(this.path);
    if (highest > 0) candidates.push(rotatedPath(this.path, highest));
    for (const path of candidates) {
      const hash = readLastHash(path, this.#fs);
      if (hash !== undefined) return hash;
    }
    return undefined;
  }

  /** Writes the lines (each ending in `\n`), rotating before a line that would pass the size cap. */
  append(lines: readonly string[], fsync: boolean): void {
    let fd = this.#open();
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.#size + chunkBytes > 0 && this.#size + chunkBytes + bytes > this.#maxBytes) {
        this.#writeAll(fd, chunk);
        chunk = '';
        chunkBytes = 0;
        fd = this.#rotate();
      }
      chunk += line;
      chunkBytes += bytes;
    }
    this.#writeAll(fd, chunk);
    if (fsync) this.#fs.fsyncSync(fd);
  }

  #writeAll(fd: number, text: string): void {
    if (text === '') return;
    const buffer = Buffer.from(text);
    let offset = 0;
    while (offset < buffer.length) offset += this.#fs.writeSync(fd, buffer, offset, buffer.length - offset);
    this.#size += buffer.length;
  }

  #rotate(): number {
    const fd = this.#open();
    this.#fs.fsyncSync(fd);
    this.#fs.closeSync(fd);
    this.#fd = undefined;
    this.#fs.renameSync(this.path, rotatedPath(this.path, this.#nextIndex));
    return this.#open();
  }

  close(): void {
    if (this.#fd === undefined) return;
    try {
      this.#fs.fsyncSync(this.#fd);
      this.#fs.closeSync(this.#fd);
    } finally {
      this.#fd = undefined;
    }
  }
}

/** Reads the tail of a file and returns the `hash` of its last parseable line. */
export function readLastHash(path: string, fs: AuditFs = nodeFs): string | undefined {
  let fd: number | undefined;
  try {
    if (!fs.existsSync(path)) return undefined;
    const size = fs.statSync(path).size;
    if (size === 0) return undefined;
    fd = fs.openSync(path, 'r');
    const length = Math.min(size, TAIL_READ_BYTES);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]?.trim();
      if (!line) continue;
      try {
        const parsed = JSON.parse(line) as { hash?: unknown };
        if (typeof parsed.hash === 'string') return parsed.hash;
      } catch {
        // A torn last line (crash mid-write) is skipped; verify will report it.
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
