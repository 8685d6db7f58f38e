// Cuts a byte stream into lines. A line longer than the limit keeps its first `maxLineBytes` (cut on a
// UTF-8 character boundary) and is flagged; the rest up to the newline is skipped, never shipped as a
// line of its own. A trailing partial line is held until its newline arrives or flush() is called.

export interface SplitLine {
  /** Line bytes without the newline (and without a trailing CR). Valid only during the callback. */
  readonly bytes: Buffer;
  /** File offset of the first byte of the line. */
  readonly start: number;
  /** File offset just past the newline (or past the last byte, for a flushed partial line). */
  readonly end: number;
  readonly truncated: boolean;
  readonly partial: boolean;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Largest cut ≤ `limit` that does not split a UTF-8 multi-byte sequence. */
export function utf8Boundary(bytes: Buffer, limit: number): number {
  if (limit >= bytes.length) return bytes.length;
  let cut = limit;
  // Step back over continuation bytes (10xxxxxx) so the cut lands before a lead byte.
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}

export class LineSplitter {
  readonly #maxLineBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #lineStart: number;
  #overflow = false;

  constructor(maxLineBytes: number, startOffset: number) {
    this.#maxLineBytes = maxLineBytes;
    this.#lineStart = startOffset;
  }

  /** Bytes held for an incomplete line. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Offset where the held (incomplete) line starts. */
  get pendingStart(): number {
    return this.#lineStart;
  }

  get hasPending(): boolean {
    return this.#pendingBytes > 0 || this.#overflow;
  }

  /** Feeds `chunk`, read at file offset `offset` (must follow the previous chunk). */
  push(chunk: Buffer, offset: number, onLine: (line: SplitLine) => void): void {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl === -1) {
        this.#hold(chunk.subarray(from));
        return;
      }
      const end = offset + nl + 1;
      let bytes: Buffer;
      if (this.#pendingBytes === 0 && !this.#overflow) {
        bytes = chunk.subarray(from, nl);
      } else {
        this.#hold(chunk.subarray(from, nl));
        bytes = this.#joined();
      }
      this.#emit(bytes, end, false, onLine);
      from = nl + 1;
    }
  }

  /** Emits the held partial line as if it had ended (file gone, or idle past the flush timeout). */
  flush(endOffset: number, onLine: (line: SplitLine) => void): void {
    if (!this.hasPending) return;
    this.#emit(this.#joined(), endOffset, true, onLine);
  }

  /** Starts over at `offset` (after a truncation). */
  reset(offset: number): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#overflow = false;
    this.#lineStart = offset;
  }

  #hold(piece: Buffer): void {
    if (piece.length === 0 || this.#overflow) return;
    const room = this.#maxLineBytes - this.#pendingBytes;
    if (piece.length > room) {
      this.#overflow = true;
      const cut = utf8Boundary(piece, room);
      if (cut > 0) {
        // Copy: the caller reuses its read buffer.
        this.#pending.push(Buffer.from(piece.subarray(0, cut)));
        this.#pendingBytes += cut;
      }
      return;
    }
    this.#pending.push(Buffer.from(piece));
    this.#pendingBytes += piece.length;
  }

  #joined(): Buffer {
    return this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
  }

  #emit(bytes: Buffer, end: number, partial: boolean, onLine: (line: SplitLine) => void): void {
    let content = bytes;
    let truncated = this.#overflow;
    if (content.length > this.#maxLineBytes) {
      content = content.subarray(0, utf8Boundary(content, this.#maxLineBytes));
      truncated = true;
    }
    if (!truncated && content.length > 0 && content[content.length - 1] === CR)
      content = content.subarray(0, -1);
    onLine({ bytes: content, start: this.#lineStart, end, truncated, partial });
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#overflow = false;
    this.#lineStart = end;
  }
}
