// Turns one raw line into a LogRecord: decoded text, parsed fields, event time, level, service and the
// flags that say what had to be repaired. Nothing here drops a line.
import { isUtf8 } from 'node:buffer';
import type { InputConfig, StreamKind } from '../config/types.ts';
import type { PendingLine } from '../pipeline/offset-tracker.ts';
import { type EventTime, findEmbeddedTimestamp, parseTimestamp, timeFromMs } from './timestamp.ts';

export type LineFlag = 'truncated' | 'invalid_utf8' | 'not_json' | 'read_time' | 'partial';

/** Where a line came from; `id` is stable across restarts and renames (device, inode, fingerprint, offset). */
export interface LineOrigin {
  readonly path: string;
  readonly fileId: string;
  readonly offset: number;
}

export interface LogRecord {
  readonly text: string;
  readonly bytes: number;
  /** The line parsed as a JSON object (the object itself is not kept: sinks that need it parse again). */
  readonly json: boolean;
  /** Structured metadata for Loki (high-cardinality ids), already named for LogQL. */
  readonly metadata: readonly (readonly [string, string])[];
  readonly time: EventTime;
  readonly level: string;
  readonly service: string;
  readonly stream: StreamKind;
  readonly flags: readonly LineFlag[];
  readonly input: InputConfig;
  readonly origin: LineOrigin;
  /** Acknowledgement handle; absent in pure parsing. */
  pending?: PendingLine;
  /** Bits of the sinks this record is routed to. */
  sinkMask: number;
}

const levelAliases: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
};

/** Levels become a Loki label, so the set must stay tiny: unknown spellings map to "unknown". */
export function normalizeLevel(value: unknown, stream: StreamKind): string {
  if (typeof value === 'number') {
    // pino numeric levels
    if (value >= 60) return 'fatal';
    if (value >= 50) return 'error';
    if (value >= 40) return 'warn';
    if (value >= 30) return 'info';
    if (value >= 20) return 'debug';
    return 'trace';
  }
  if (typeof value === 'string') return levelAliases[value.toLowerCase()] ?? 'unknown';
  return stream === 'audit' ? 'info' : 'unknown';
}

/** Reads `a.b` as a flat dotted key first (our preload writes `service.name`), then as a nested path. */
export function getField(fields: Readonly<Record<string, unknown>>, key: string): unknown {
  if (key in fields) return fields[key];
  if (!key.includes('.')) return undefined;
  let current: unknown = fields;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Loki label names allow [a-zA-Z_][a-zA-Z0-9_]*; structured metadata follows the same rule for LogQL. */
export function metadataName(key: string): string {
  let name = metadataNames.get(key);
  if (name === undefined) {
    name = key.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
    // The keys come from the config: a handful, so the cache stays tiny.
    if (metadataNames.size < 1024) metadataNames.set(key, name);
  }
  return name;
}

const metadataNames = new Map<string, string>();
const noFlags: readonly LineFlag[] = Object.freeze([]);
const noMetadata: readonly (readonly [string, string])[] = Object.freeze([]);

/** The line as a JSON object, or undefined when it is not one. */
export function parseFields(text: string): Record<string, unknown> | undefined {
  if (text.charCodeAt(0) !== 0x7b /* { */) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return undefined;
}

export function parseLine(
  raw: Buffer,
  info: {
    truncated: boolean;
    partial: boolean;
    input: InputConfig;
    origin: LineOrigin;
    readAt: number;
    metadataKeys?: readonly string[];
  },
): LogRecord {
  const flags: LineFlag[] = [];
  if (info.truncated) flags.push('truncated');
  if (info.partial) flags.push('partial');
  // toString() already replaces invalid sequences with U+FFFD; isUtf8 tells us whether it had to.
  if (!isUtf8(raw)) flags.push('invalid_utf8');
  const text = raw.toString('utf8');
  const fields = parseFields(text);
  if (!fields) flags.push('not_json');
  let time: EventTime | undefined;
  if (fields) {
    time =
      parseTimestamp(fields.timestamp) ?? parseTimestamp(fields['@timestamp']) ?? parseTimestamp(fields.time);
  } else {
    time = findEmbeddedTimestamp(text);
  }
  if (!time) {
    flags.push('read_time');
    time = timeFromMs(info.readAt);
  }
  const stream = info.input.stream;
  const serviceValue = fields ? getField(fields, 'service.name') : undefined;
  const service =
    typeof serviceValue === 'string' && serviceValue !== ''
      ? serviceValue
      : (info.input.service ?? 'unknown_service');
  let metadata: (readonly [string, string])[] | readonly (readonly [string, string])[] = noMetadata;
  if (fields && info.metadataKeys && info.metadataKeys.length > 0) {
    const found: [string, string][] = [];
    metadata = found;
    for (const key of info.metadataKeys) {
      const value = getField(fields, key);
      if (
        typeof value === 'string' ? value !== '' : typeof value === 'number' || typeof value === 'boolean'
      ) {
        found.push([metadataName(key), String(value)]);
      }
    }
  }
  return {
    text,
    bytes: raw.length,
    json: fields !== undefined,
    metadata,
    time,
    level: normalizeLevel(fields ? (fields.level ?? fields['log.level']) : undefined, stream),
    service,
    stream,
    flags: flags.length > 0 ? flags : noFlags,
    input: info.input,
    origin: info.origin,
    sinkMask: 0,
  };
}
