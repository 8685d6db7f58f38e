// Elasticsearch `_bulk` through the official client. Every line gets a deterministic `_id` (file
// identity + offset) and goes in with `create`, so a replay answers 409, which counts as delivered.
// Items are judged one by one: 429/5xx come back for a retry of those items alone, other 4xx are set
// aside with ES's reason; a 413 for the whole request makes the caller split the batch.
import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config/types.ts';
import { SinkRetryableError, SinkTooLargeError } from '../errors.ts';
import { type LogRecord, parseFields } from '../parse/record.ts';
import { emptyResult, type Rejection, type SendResult, type Sink } from './sink.ts';

export const ECS_VERSION = '8.11.0';

/** Keys we re-express in ECS form; every other field of the line is kept under its own name. */
const consumedKeys = new Set([
  'timestamp',
  '@timestamp',
  'level',
  'log.level',
  'message',
  'msg',
  'service.name',
  'trace_id',
  'span_id',
]);

export function indexName(record: LogRecord, prefix: ElasticsearchConfig['indexPrefix']): string {
  const day = new Date(record.time.ms).toISOString().slice(0, 10).replace(/-/g, '.');
  return `${record.stream === 'audit' ? prefix.audit : prefix.app}-${day}`;
}

export function documentId(record: LogRecord): string {
  return `${record.origin.fileId}-${record.origin.offset}`;
}

/** The ECS-aligned document for one line (mapping documented in the README). */
export function toDocument(record: LogRecord): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  const fields = record.json ? parseFields(record.text) : undefined;
  if (fields) {
    for (const key of Object.keys(fields)) if (!consumedKeys.has(key)) doc[key] = fields[key];
  }
  doc['@timestamp'] = record.time.iso;
  const message = fields ? (fields.message ?? fields.msg) : record.text;
  if (message !== undefined) doc.message = typeof message === 'string' ? message : JSON.stringify(message);
  doc['log.level'] = record.level;
  doc['service.name'] = record.service;
  if (fields) {
    if (typeof fields.trace_id === 'string') doc['trace.id'] = fields.trace_id;
    if (typeof fields.span_id === 'string') doc['span.id'] = fields.span_id;
  }
  doc['log.file.path'] = record.origin.path;
  doc['log.offset'] = record.origin.offset;
  doc['ecs.version'] = ECS_VERSION;
  if (Object.keys(record.input.labels).length > 0) doc.labels = record.input.labels;
  doc['tracetail.stream'] = record.stream;
  doc['tracetail.input'] = record.input.name;
  if (record.flags.length > 0) doc['tracetail.flags'] = record.flags;
  return doc;
}

const keyword = { type: 'keyword', ignore_above: 1024 } as const;

export function indexTemplate(prefix: string, stream: 'app' | 'audit'): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    '@timestamp': { type: 'date' },
    message: { type: 'text' },
    log: {
      properties: { level: keyword, file: { properties: { path: keyword } }, offset: { type: 'long' } },
    },
    service: { properties: { name: keyword } },
    trace: { properties: { id: keyword } },
    span: { properties: { id: keyword } },
    trace_flags: keyword,
    correlation_id: keyword,
    event: { properties: { action: keyword, outcome: keyword, category: keyword, type: keyword } },
    ecs: { properties: { version: keyword } },
    labels: { type: 'object', dynamic: true },
    tracetail: { properties: { stream: keyword, input: keyword, flags: keyword } },
  };
  if (stream === 'audit') {
    Object.assign(properties, { seq: { type: 'long' }, hash: keyword, prev_hash: keyword });
  }
  return {
    name: `${prefix}-template`,
    index_patterns: [`${prefix}-*`],
    priority: 200,
    template: {
      mappings: {
        // Strings in caller fields become keywords: cheaper than text and what exact filters need.
        dynamic_templates: [{ strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } }],
        properties,
      },
    },
    _meta: { managed_by: 'tracetail-tailer' },
  };
}

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

export class ElasticsearchSink implements Sink {
  readonly name = 'elasticsearch';
  readonly #config: ElasticsearchConfig;
  readonly #client: Client;

  /** Loads the client only when Elasticsearch is configured (it is a large module graph). */
  static async create(config: ElasticsearchConfig): Promise<ElasticsearchSink> {
    const { Client: ClientClass } = await import('@elastic/elasticsearch');
    const auth = config.auth?.apiKey
      ? { apiKey: config.auth.apiKey }
      : config.auth?.username
        ? { username: config.auth.username, password: config.auth.password ?? '' }
        : undefined;
    const client = new ClientClass({
      node: config.url,
      ...(auth ? { auth } : {}),
      tls: config.tls
        ? {
            ca: config.tls.ca ? readFileSync(config.tls.ca) : undefined,
            cert: config.tls.cert ? readFileSync(config.tls.cert) : undefined,
            key: config.tls.key ? readFileSync(config.tls.key) : undefined,
            rejectUnauthorized: config.tls.rejectUnauthorized,
          }
        : undefined,
      // Retries are ours: per item, with backoff and a deadline.
      maxRetries: 0,
      requestTimeout: config.timeoutMs,
    });
    return new ElasticsearchSink(config, client);
  }

  constructor(config: ElasticsearchConfig, client: Client) {
    this.#config = config;
    this.#client = client;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (!this.#config.installTemplate) return;
    try {
      for (const stream of ['app', 'audit'] as const) {
        const template = indexTemplate(this.#config.indexPrefix[stream], stream);
        await this.#client.indices.putIndexTemplate(template as never, { signal });
      }
    } catch (error) {
      throw this.#classify(error);
    }
  }

  sizeOf(record: LogRecord): number {
    return record.bytes * 1.3 + 200;
  }

  async send(records: readonly LogRecord[], signal: AbortSignal): Promise<SendResult> {
    if (records.length === 0) return emptyResult;
    const operations: string[] = [];
    for (const record of records) {
      operations.push(
        JSON.stringify({
          create: { _index: indexName(record, this.#config.indexPrefix), _id: documentId(record) },
        }),
        JSON.stringify(toDocument(record)),
      );
    }
    let response: { errors: boolean; items?: Record<string, BulkItem>[] };
    try {
      response = (await this.#client.bulk(
        { operations: operations as never, filter_path: 'errors,items.*.error,items.*.status' },
        { signal },
      )) as never;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (error instanceof Error && error.name === 'ResponseError' && status === 400) {
        // The whole request was refused as malformed: resending it cannot help; set it aside.
        const reason = `bulk request refused: ${error.message.slice(0, 400)}`;
        return { rejected: records.map((record) => ({ record, status, reason })), retry: [], duplicates: 0 };
      }
      throw this.#classify(error);
    }
    if (!response.errors) return emptyResult;
    const rejected: Rejection[] = [];
    const retry: LogRecord[] = [];
    let duplicates = 0;
    const items = response.items ?? [];
    records.forEach((record, i) => {
      const item = items[i] ? Object.values(items[i]!)[0] : undefined;
      const status = item?.status ?? 0;
      if (status >= 200 && status < 300) return;
      if (status === 409) duplicates++;
      else if (status === 429 || status >= 500 || status === 0) retry.push(record);
      else {
        const reason = `${item?.error?.type ?? 'error'}: ${item?.error?.reason ?? 'no reason given'}`;
        rejected.push({ record, status, reason: reason.length > 500 ? `${reason.slice(0, 500)}…` : reason });
      }
    });
    return { rejected, retry, duplicates };
  }

  #classify(error: unknown): Error {
    if (error instanceof Error && error.name === 'ResponseError') {
      const status = (error as Error & { statusCode?: number }).statusCode ?? 0;
      if (status === 413) return new SinkTooLargeError('elasticsearch refused the request size (413)');
      return new SinkRetryableError(
        status,
        `elasticsearch answered ${status}: ${error.message.slice(0, 300)}`,
        {
          cause: error,
        },
      );
    }
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new SinkRetryableError(0, `elasticsearch request failed: ${(error as Error).message}`, {
      cause: error,
    });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
