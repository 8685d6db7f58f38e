// Loki push API (POST /loki/api/v1/push): protobuf + snappy by default, JSON as an option. Labels are
// few and bounded; ids go to structured metadata. A 400 is a partial success: Loki stored the valid
// entries, so the batch is bisected (re-sent entries are byte-identical and Loki drops them as
// duplicates) until each rejected entry is known and set aside with Loki's reason.
import { compressSync } from 'snappy';
import type { LokiConfig } from '../config/types.ts';
import { authHint, SinkRetryableError, SinkTooLargeError } from '../errors.ts';
import type { LogRecord } from '../parse/record.ts';
import { toNanoString } from '../parse/timestamp.ts';
import { HttpPoster } from './http-client.ts';
import { encodePushRequest, type PushEntry, type PushStream } from './loki-proto.ts';
import { emptyResult, type Rejection, type SendResult, type Sink } from './sink.ts';

const PUSH_PATH = '/loki/api/v1/push';

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function lokiLabels(record: LogRecord, sinkLabels: Readonly<Record<string, string>>): string {
  const labels: Record<string, string> = {
    ...sinkLabels,
    ...record.input.labels,
    service_name: record.service,
    stream: record.stream,
    level: record.level,
  };
  return `{${Object.keys(labels)
    .sort()
    .map((name) => `${name}=${quote(labels[name]!)}`)
    .join(', ')}}`;
}

/** The record's structured metadata plus its flags, so a repaired line can be found in LogQL. */
export function lokiMetadata(record: LogRecord): readonly (readonly [string, string])[] {
  return record.flags.length > 0
    ? [...record.metadata, ['tracetail_flags', record.flags.join(',')]]
    : record.metadata;
}

function compareTime(a: LogRecord, b: LogRecord): number {
  return a.time.ms - b.time.ms || a.time.subMsNanos - b.time.subMsNanos;
}

// Label sets are few (input × service × level), so their rendering is cached instead of rebuilt per line.
const labelCache = new WeakMap<object, Map<string, string>>();
const LABEL_CACHE_LIMIT = 10_000;

function cachedLabels(record: LogRecord, sinkLabels: Readonly<Record<string, string>>): string {
  let perInput = labelCache.get(record.input);
  if (!perInput) {
    perInput = new Map();
    labelCache.set(record.input, perInput);
  }
  const key = `${record.service}\u0000${record.level}`;
  let labels = perInput.get(key);
  if (labels === undefined) {
    labels = lokiLabels(record, sinkLabels);
    if (perInput.size < LABEL_CACHE_LIMIT) perInput.set(key, labels);
  }
  return labels;
}

/** Groups records into streams, each sorted by time (Loki wants order within a stream). */
export function toStreams(
  records: readonly LogRecord[],
  config: Pick<LokiConfig, 'labels'>,
): { labels: string; records: LogRecord[] }[] {
  const byLabels = new Map<string, LogRecord[]>();
  for (const record of records) {
    const labels = cachedLabels(record, config.labels);
    let list = byLabels.get(labels);
    if (!list) {
      list = [];
      byLabels.set(labels, list);
    }
    list.push(record);
  }
  return [...byLabels].map(([labels, list]) => ({ labels, records: list.sort(compareTime) }));
}

export function encodeProtobuf(records: readonly LogRecord[], config: LokiConfig): Buffer {
  const streams: PushStream[] = toStreams(records, config).map(({ labels, records: list }) => ({
    labels,
    entries: list.map(
      (r): PushEntry => ({
        seconds: Math.floor(r.time.ms / 1000),
        nanos: (r.time.ms % 1000) * 1_000_000 + r.time.subMsNanos,
        line: r.text,
        metadata: lokiMetadata(r),
      }),
    ),
  }));
  return compressSync(encodePushRequest(streams));
}

export function encodeJson(records: readonly LogRecord[], config: LokiConfig): Buffer {
  const streams = toStreams(records, config).map(({ records: list }) => ({
    stream: Object.fromEntries(
      Object.entries({
        ...config.labels,
        ...list[0]!.input.labels,
        service_name: list[0]!.service,
        stream: list[0]!.stream,
        level: list[0]!.level,
      }),
    ),
    values: list.map((r) => {
      const metadata = lokiMetadata(r);
      const ts = toNanoString(r.time);
      return metadata.length > 0 ? [ts, r.text, Object.fromEntries(metadata)] : [ts, r.text];
    }),
  }));
  return Buffer.from(JSON.stringify({ streams }));
}

/** From "… total ignored: 3 out of 10" in a Loki 400 body. */
export function parseIgnoredCount(body: string): { ignored: number; total: number } | undefined {
  const match = /total ignored: (\d+) out of (\d+)/.exec(body);
  return match ? { ignored: Number(match[1]), total: Number(match[2]) } : undefined;
}

/** The first reason in a Loki 400 body, short enough for a dead-letter record and a metric label. */
export function rejectionReason(body: string): string {
  const quoted = /reason: '([^']+)'/.exec(body);
  const text = (quoted?.[1] ?? body).trim();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

export class LokiSink implements Sink {
  readonly name = 'loki';
  readonly #config: LokiConfig;
  readonly #poster: HttpPoster;
  readonly #headers: Record<string, string>;
  #lastRecords: readonly LogRecord[] | undefined;
  #lastBody: Buffer | undefined;

  constructor(config: LokiConfig) {
    this.#config = config;
    this.#poster = new HttpPoster(config.url, config.timeoutMs, config.tls);
    const headers: Record<string, string> =
      config.encoding === 'protobuf'
        ? { 'content-type': 'application/x-protobuf' }
        : { 'content-type': 'application/json' };
    if (config.tenant) headers['x-scope-orgid'] = config.tenant;
    if (config.auth?.bearerToken) headers.authorization = `Bearer ${config.auth.bearerToken}`;
    else if (config.auth?.username) {
      headers.authorization = `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password ?? ''}`).toString('base64')}`;
    }
    this.#headers = headers;
  }

  async start(): Promise<void> {}

  sizeOf(record: LogRecord): number {
    // Line plus labels/metadata overhead; close enough to keep requests near maxBytes.
    return record.bytes + 64;
  }

  async send(records: readonly LogRecord[], signal: AbortSignal): Promise<SendResult> {
    if (records.length === 0) return emptyResult;
    // A retry of the same batch reuses its encoding: no fresh megabytes per attempt during an outage.
    let body = this.#lastRecords === records ? this.#lastBody : undefined;
    if (!body) {
      body =
        this.#config.encoding === 'protobuf'
          ? encodeProtobuf(records, this.#config)
          : encodeJson(records, this.#config);
      this.#lastRecords = records;
      this.#lastBody = body;
    }
    let response: { status: number; body: string };
    try {
      response = await this.#poster.post(PUSH_PATH, this.#headers, body, signal);
    } catch (error) {
      throw new SinkRetryableError(0, `loki push failed: ${(error as Error).message}`, { cause: error });
    }
    const { status } = response;
    if (status !== 429 && status < 500) {
      this.#lastRecords = undefined;
      this.#lastBody = undefined;
    }
    if (status >= 200 && status < 300) return emptyResult;
    if (status === 413) throw new SinkTooLargeError(`loki refused ${body.length} bytes (413)`);
    if (status === 400) return this.#partialSuccess(records, response.body, signal);
    if (status === 260) {
      // Loki's "ingestion blocked" answer: the entries were dropped on purpose by policy.
      return {
        rejected: records.map((record) => ({ record, status, reason: 'ingestion blocked' })),
        retry: [],
        duplicates: 0,
      };
    }
    // 429 and 5xx are transient; 401/403/404 are deployment problems a fix resolves, so lines wait.
    if (
      status === 429 ||
      status >= 500 ||
      status === 401 ||
      status === 403 ||
      status === 404 ||
      status === 408
    ) {
      const hint = authHint(status, 'loki');
      throw new SinkRetryableError(
        status,
        `loki answered ${status}${hint ? ` (${hint})` : ''}: ${response.body.slice(0, 300).trim()}`,
      );
    }
    return {
      rejected: records.map((record) => ({ record, status, reason: rejectionReason(response.body) })),
      retry: [],
      duplicates: 0,
    };
  }

  async #partialSuccess(
    records: readonly LogRecord[],
    body: string,
    signal: AbortSignal,
  ): Promise<SendResult> {
    const counts = parseIgnoredCount(body);
    if (records.length === 1 || (counts && counts.ignored >= counts.total)) {
      const reason = rejectionReason(body);
      return {
        rejected: records.map((record) => ({ record, status: 400, reason })),
        retry: [],
        duplicates: 0,
      };
    }
    const middle = Math.ceil(records.length / 2);
    const halves = [records.slice(0, middle), records.slice(middle)];
    const rejected: Rejection[] = [];
    for (const half of halves) {
      const result = await this.send(half, signal);
      rejected.push(...result.rejected);
    }
    return { rejected, retry: [], duplicates: 0 };
  }

  async close(): Promise<void> {
    this.#poster.close();
  }
}
