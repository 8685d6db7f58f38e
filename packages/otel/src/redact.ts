// Redaction of secrets by key name. Used by the JSON logger, by the log hooks on app-created
// winston/pino loggers, by the span processor that scrubs span attributes, and by the audit log.
//
// Matching is on a normalised key (lower case, without `-`, `_`, `.` and spaces) and by suffix, so
// `password`, `db_password`, `X-Api-Key`, `accessToken` and `http.request.header.authorization`
// are all caught, while `token_count` or `secretary` are not (a suffix, not a substring).

export const REDACTED = '[REDACTED]';

/** The keys redacted by default. `TRACETAIL_REDACT_KEYS` adds to this list. */
export const DEFAULT_REDACT_KEYS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'private_key',
  'credentials',
  'session_id',
]);

// A cap on nesting so a deep or hostile object cannot make a log call expensive.
const MAX_DEPTH = 8;

export interface Redactor {
  /** The normalised suffixes this redactor matches. */
  readonly keys: readonly string[];
  isSensitiveKey(key: string): boolean;
  /** Returns a copy with sensitive values replaced by `[REDACTED]`; the input is never mutated. */
  redact<T>(value: T): T;
  /** Redacts an HTTP header map (node's `IncomingHttpHeaders` or a plain record). */
  redactHeaders(headers: Record<string, unknown>): Record<string, unknown>;
}

export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

export interface RedactorOptions {
  /** Extra keys on top of the defaults. */
  keys?: readonly string[];
  /** Use only `keys`, dropping the defaults. */
  replaceDefaults?: boolean;
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const source = options.replaceDefaults
    ? (options.keys ?? [])
    : [...DEFAULT_REDACT_KEYS, ...(options.keys ?? [])];
  const suffixes = Object.freeze([...new Set(source.map(normaliseKey).filter((k) => k.length > 0))]);
  const cache = new Map<string, boolean>();

  function isSensitiveKey(key: string): boolean {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const normalised = normaliseKey(key);
    const sensitive = suffixes.some((suffix) => normalised.endsWith(suffix));
    // Bounded memo: keys in logs come from code, not from input, but stay safe anyway.
    if (cache.size < 4096) cache.set(key, sensitive);
    return sensitive;
  }

  function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH || seen.has(value)) return value;
    if (value instanceof Date || value instanceof Error || ArrayBuffer.isView(value)) return value;
    seen.add(value);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = redactValue(value[i], depth + 1, seen);
        if (next !== value[i]) {
          copy ??= value.slice();
          copy[i] = next;
        }
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const current = record[key];
      const next = isSensitiveKey(key) ? REDACTED : redactValue(current, depth + 1, seen);
      if (next !== current) {
        copy ??= { ...record };
        copy[key] = next;
      }
    }
    return copy ?? value;
  }

  return Object.freeze({
    keys: suffixes,
    isSensitiveKey,
    redact<T>(value: T): T {
      return redactValue(value, 0, new WeakSet()) as T;
    },
    redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(headers))
        out[name] = isSensitiveKey(name) ? REDACTED : value;
      return out;
    },
  });
}

/** Redacts `name=value` pairs with sensitive names in a URL query string (`url.full`, `url.query`). */
export function redactQueryString(url: string, redactor: Redactor): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const hashStart = url.indexOf('#', queryStart);
  const query = url.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // keep the raw name
      }
      return redactor.isSensitiveKey(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart + 1)}${redacted}${hashStart === -1 ? '' : url.slice(hashStart)}`;
}
