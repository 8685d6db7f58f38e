// --dry-run: prints, one JSON object per line, exactly what each configured sink would be sent.
import type { LokiConfig } from '../config/types.ts';
import type { LogRecord } from '../parse/record.ts';
import { toNanoString } from '../parse/timestamp.ts';
import { documentId, indexName, toDocument } from './elasticsearch.ts';
import { lokiLabels, lokiMetadata } from './loki.ts';
import { emptyResult, type SendResult, type Sink } from './sink.ts';

export class DryRunSink implements Sink {
  readonly name: string;
  readonly #describe: (record: LogRecord) => unknown;
  readonly #write: (text: string) => void;

  constructor(name: string, describe: (record: LogRecord) => unknown, write: (text: string) => void) {
    this.name = name;
    this.#describe = describe;
    this.#write = write;
  }

  static loki(config: LokiConfig, write: (text: string) => void): DryRunSink {
    return new DryRunSink(
      'loki',
      (r) => ({
        sink: 'loki',
        labels: lokiLabels(r, config.labels),
        timestamp: toNanoString(r.time),
        line: r.text,
        structuredMetadata: Object.fromEntries(lokiMetadata(r)),
      }),
      write,
    );
  }

  static elasticsearch(prefix: { app: string; audit: string }, write: (text: string) => void): DryRunSink {
    return new DryRunSink(
      'elasticsearch',
      (r) => ({
        sink: 'elasticsearch',
        index: indexName(r, prefix),
        _id: documentId(r),
        document: toDocument(r),
      }),
      write,
    );
  }

  async start(): Promise<void> {}

  sizeOf(record: LogRecord): number {
    return record.bytes;
  }

  async send(records: readonly LogRecord[]): Promise<SendResult> {
    this.#write(records.map((r) => `${JSON.stringify(this.#describe(r))}\n`).join(''));
    return emptyResult;
  }

  async close(): Promise<void> {}
}
