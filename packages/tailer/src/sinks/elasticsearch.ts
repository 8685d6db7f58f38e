// Elasticsearch `_bulk` over keep-alive HTTP. Every line gets a deterministic `_id` (file identity +
// offset) and goes in with `create`, so a replay answers 409, which counts as delivered. Items are
// judged one by one: 429/5xx come back for a retry of those items alone, other 4xx are set aside with
// ES's reason; a 413 for the whole request makes the caller split the batch.
// Why not the official client: it served functionally, but loading it alone added 36 MiB of RSS (36 of
// the 150 MB budget) for two endpoints; `_bulk` and `_index_template` are plain HTTP + NDJSON.
import type { ElasticsearchConfig } from '../config/types.ts';
import { authHint, SinkRetryableError, SinkTooLargeError } from '../errors.ts';
import { type LogRecord, parseFields } from '../parse/record.ts';
import { HttpPoster } from './http-client.ts';
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

/** "401 (authentication failed; check sinks.elasticsearch.auth): <body>", the hint only for 401/403. */
function answered(response: { status: number; body: string }): string {
  const hint = authHint(response.status, 'elasticsearch');
  return `${response.status}${hint ? ` (${hint})` : ''}: ${response.body.slice(0, 300).trim()}`;
}

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

interface BulkReply {
  errors?: boolean;
  items?: Record<string, BulkItem>[];
}

export class ElasticsearchSink implements Sink {
  readonly name = 'elasticsearch';
  readonly #config: ElasticsearchConfig;
  readonly #poster: HttpPoster;
  readonly #headers: Record<string, string>;

  /** Kept async so callers do not depend on how the sink connects. */
  static async create(config: ElasticsearchConfig): Promise<ElasticsearchSink> {
    return new ElasticsearchSink(config);
  }

  constructor(config: ElasticsearchConfig) {
    this.#config = config;
    // Bulk replies list every item; with filter_path they stay small, but allow a few MiB.
    this.#poster = new HttpPoster(config.url, config.timeoutMs, config.tls, 8 * 1024 * 1024);
    const headers: Record<string, string> = {};
    if (config.auth?.apiKey) headers.authorization = `ApiKey ${config.auth.apiKey}`;
    else if (config.auth?.username) {
      headers.authorization = `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password ?? ''}`).toString('base64')}`;
    }
    this.#headers = headers;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (!this.#config.installTemplate) return;
    for (const stream of ['app', 'audit'] as const) {
      const { name, ...template } = indexTemplate(this.#config.indexPrefix[stream], stream);
      const response = await this.#call(
        'PUT',
        `/_index_template/${String(name)}`,
        'application/json',
        Buffer.from(JSON.stringify(template)),
        signal,
      );
      if (response.status < 200 || response.status >= 300) {
        throw new SinkRetryableError(
          response.status,
          `index template ${String(name)}: ${answered(response)}`,
        );
      }
    }
  }

  sizeOf(record: LogRecord): number {
    return record.bytes * 1.3 + 200;
  }

  async send(records: readonly LogRecord[], signal: AbortSignal): Promise<SendResult> {
    if (records.length === 0) return emptyResult;
    let ndjson = '';
    for (const record of records) {
      ndjson += `${JSON.stringify({ create: { _index: indexName(record, this.#config.indexPrefix), _id: documentId(record) } })}\n${JSON.stringify(toDocument(record))}\n`;
    }
    const body = Buffer.from(ndjson);
    const response = await this.#call(
      'POST',
      '/_bulk?filter_path=errors,items.*.error,items.*.status',
      'application/x-ndjson',
      body,
      signal,
    );
    const { status } = response;
    if (status === 413) throw new SinkTooLargeError(`elasticsearch refused ${body.length} bytes (413)`);
    if (status === 400) {
      // The whole request was refused as malformed: resending it cannot help; set it aside.
      const reason = `bulk request refused: ${response.body.slice(0, 400)}`;
      return { rejected: records.map((record) => ({ record, status, reason })), retry: [], duplicates: 0 };
    }
    if (status < 200 || status >= 300) {
      throw new SinkRetryableError(status, `elasticsearch answered ${answered(response)}`);
    }
    let reply: BulkReply;
    try {
      reply = JSON.parse(response.body) as BulkReply;
    } catch {
      throw new SinkRetryableError(status, 'elasticsearch bulk reply is not JSON');
    }
    if (!reply.errors) return emptyResult;
    const rejected: Rejection[] = [];
    const retry: LogRecord[] = [];
    let duplicates = 0;
    const items = reply.items ?? [];
    records.forEach((record, i) => {
      const item = items[i] ? Object.values(items[i]!)[0] : undefined;
      const itemStatus = item?.status ?? 0;
      if (itemStatus >= 200 && itemStatus < 300) return;
      if (itemStatus === 409) duplicates++;
      else if (itemStatus === 429 || itemStatus >= 500 || itemStatus === 0) retry.push(record);
      else {
        const reason = `${item?.error?.type ?? 'error'}: ${item?.error?.reason ?? 'no reason given'}`;
        rejected.push({
          record,
          status: itemStatus,
          reason: reason.length > 500 ? `${reason.slice(0, 500)}…` : reason,
        });
      }
    });
    return { rejected, retry, duplicates };
  }

  async #call(method: 'POST' | 'PUT', path: string, contentType: string, body: Buffer, signal: AbortSignal) {
    try {
      return await this.#poster.request(
        method,
        path,
        { ...this.#headers, 'content-type': contentType },
        body,
        signal,
      );
    } catch (error) {
      throw new SinkRetryableError(0, `elasticsearch request failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    this.#poster.close();
  }
}
