// Lines a sink refused for good are appended here, with the reason, and synced before their position
// may be committed: set aside, never silently dropped.
import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LogRecord } from '../parse/record.ts';

export interface DeadLetterEntry {
  readonly sink: string;
  readonly status: number;
  readonly reason: string;
  readonly record: LogRecord;
}

export class DeadLetterFile {
  readonly #path: string;
  #handle: Promise<FileHandle> | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /** Appends and fsyncs; resolves once the entries are durable. Writes are serialized. */
  write(entries: readonly DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const text = entries
      .map((e) =>
        JSON.stringify({
          time: new Date().toISOString(),
          sink: e.sink,
          status: e.status,
          reason: e.reason,
          path: e.record.origin.path,
          file_id: e.record.origin.fileId,
          offset: e.record.origin.offset,
          stream: e.record.stream,
          flags: e.record.flags,
          line: e.record.text,
        }),
      )
      .join('\n');
    const next = this.#chain.then(async () => {
      if (!this.#handle) {
        mkdirSync(dirname(this.#path), { recursive: true });
        this.#handle = open(this.#path, 'a', 0o600);
      }
      const handle = await this.#handle;
      await handle.appendFile(`${text}\n`);
      await handle.datasync();
    });
    this.#chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.#chain;
    if (this.#handle) await (await this.#handle).close();
    this.#handle = undefined;
  }
}
