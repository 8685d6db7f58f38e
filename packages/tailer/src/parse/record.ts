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
  readonly fields: Readonly<Record<string, unknown>> | undefined;
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

export function parseLine(
  raw: Buffer,
  info: { truncated: boolean; partial: boolean; input: InputConfig; origin: LineOrigin; readAt: number },
): LogRecord {
  const flags: LineFlag[] = [];
  if (info.truncated) flags.push('truncated');
  if (info.partial) flags.push('partial');
  // toString() already replaces invalid sequences with U+FFFD; isUtf8 tells us whether it had to.
  if (!isUtf8(raw)) flags.push('invalid_utf8');
  const text = raw.toString('utf8');
  let fields: Record<string, unknown> | undefined;
  if (text.charCodeAt(0) === 0x7b /* { */) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
        fields = parsed as Record<string, unknown>;
    } catch {
      // not JSON: shipped raw and flagged below
    }
  }
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
  return {
    text,
    bytes: raw.length,
    fields,
    time,
    level: normalizeLevel(fields ? (fields.level ?? fields['log.level']) : undefined, stream),
    service,
    stream,
    flags,
    input: info.input,
    origin: info.origin,
    sinkMask: 0,
  };
}
