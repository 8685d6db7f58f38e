// Event time from the record itself, to nanoseconds, so a replayed line gets the very same Loki
// timestamp and Loki drops it as a duplicate.

export interface EventTime {
  /** Milliseconds since the epoch (floor). */
  readonly ms: number;
  /** Nanoseconds within that millisecond (0–999999). */
  readonly subMsNanos: number;
  /** ISO form for Elasticsearch `@timestamp`. */
  readonly iso: string;
}

const rfc3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseTimestamp(value: unknown): EventTime | undefined {
  if (typeof value === 'string') {
    const match = rfc3339.exec(value);
    if (!match) return undefined;
    const seconds = Date.parse(`${match[1]}T${match[2]}${match[4]!.toUpperCase()}`);
    if (Number.isNaN(seconds)) return undefined;
    const fraction = (match[3] ?? '').padEnd(9, '0');
    const ms = seconds + Number(fraction.slice(0, 3));
    return { ms, subMsNanos: Number(fraction.slice(3)), iso: value };
  }
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    // Epoch milliseconds (pino's `time`); seconds would be < 1e11 and land in 1973, so treat those as s.
    const ms = value < 1e11 ? value * 1000 : value;
    const whole = Math.floor(ms);
    return { ms: whole, subMsNanos: Math.round((ms - whole) * 1e6), iso: new Date(whole).toISOString() };
  }
  return undefined;
}

export function timeFromMs(ms: number): EventTime {
  return { ms, subMsNanos: 0, iso: new Date(ms).toISOString() };
}

/** Unix nanoseconds as a decimal string (Loki's JSON push format). */
export function toNanoString(time: EventTime): string {
  return `${time.ms}${String(time.subMsNanos).padStart(6, '0')}`;
}

const embedded = /"(?:timestamp|@timestamp)"\s*:\s*"([^"]{10,40})"/;

/** For a line that is not valid JSON (e.g. truncated), still find its event time if it has one. */
export function findEmbeddedTimestamp(text: string): EventTime | undefined {
  const match = embedded.exec(text.length > 4096 ? text.slice(0, 4096) : text);
  return match ? parseTimestamp(match[1]) : undefined;
}
