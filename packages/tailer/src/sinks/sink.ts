// What every sink implements. A send resolves once each record is delivered, set aside as rejected,
// or handed back for a retry of that record alone; a whole-request failure throws (see errors.ts).
import type { LogRecord } from '../parse/record.ts';

export interface Rejection {
  readonly record: LogRecord;
  readonly status: number;
  readonly reason: string;
}

export interface SendResult {
  readonly rejected: readonly Rejection[];
  /** Records to send again on their own (e.g. Elasticsearch item 429/5xx). */
  readonly retry: readonly LogRecord[];
  /** Records the sink already had (Elasticsearch 409): delivered. */
  readonly duplicates: number;
}

export interface Sink {
  readonly name: string;
  /** One-time setup before the first send (e.g. index template); retried by the caller until it works. */
  start(signal: AbortSignal): Promise<void>;
  /** Encoded size estimate, for batching by bytes. */
  sizeOf(record: LogRecord): number;
  send(records: readonly LogRecord[], signal: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}

export const emptyResult: SendResult = Object.freeze({ rejected: [], retry: [], duplicates: 0 });
