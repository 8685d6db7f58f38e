// Per file generation: which line ends every sink has acknowledged. A position is committed only when
// every sink acknowledged every line before it, in file order, so a crash replays, never skips.

export interface PendingLine {
  readonly end: number;
  readonly bytes: number;
  readonly readAt: number;
  /** Bit i set = sink i has not acknowledged this line yet. */
  mask: number;
}

export class OffsetTracker {
  readonly #queue: PendingLine[] = [];
  #head = 0;
  #committed: number;
  readonly #onReleased: (bytes: number) => void;

  /** `committed`: the position everything before which is known to be delivered. */
  constructor(committed: number, onReleased: (bytes: number) => void) {
    this.#committed = committed;
    this.#onReleased = onReleased;
  }

  get committed(): number {
    return this.#committed;
  }

  get pendingCount(): number {
    return this.#queue.length - this.#head;
  }

  /** Read time of the oldest line not yet acknowledged by every sink. */
  get oldestPendingReadAt(): number | undefined {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const line = this.#queue[i]!;
      if (line.mask !== 0) return line.readAt;
    }
    return undefined;
  }

  /** Registers a line (in file order). A line no sink needs (empty, or already shipped) commits at once. */
  add(end: number, bytes: number, mask: number, readAt: number): PendingLine {
    const line: PendingLine = { end, bytes, readAt, mask };
    if (mask === 0 && this.pendingCount === 0) {
      this.#committed = end;
      return line;
    }
    this.#queue.push(line);
    return line;
  }

  acknowledge(line: PendingLine, sinkBit: number): void {
    if ((line.mask & sinkBit) === 0) return;
    line.mask &= ~sinkBit;
    if (line.mask !== 0) return;
    this.#onReleased(line.bytes);
    this.#advance();
  }

  /** Position each sink has acknowledged everything before (for the per-sink checkpoint). */
  sinkPosition(sinkBit: number): number {
    let position = this.#committed;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const line = this.#queue[i]!;
      if ((line.mask & sinkBit) !== 0) break;
      position = line.end;
    }
    return position;
  }

  #advance(): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.mask === 0) {
      this.#committed = this.#queue[this.#head]!.end;
      this.#head++;
    }
    // Compact now and then so the array does not grow with the file.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
