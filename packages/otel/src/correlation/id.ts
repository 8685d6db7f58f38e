import { randomUUID } from 'node:crypto';

/** Longest correlation id accepted from a caller; longer values are replaced, not truncated. */
export const MAX_CORRELATION_ID_LENGTH = 128;

// Letters, digits and the few separators request ids use in practice (UUIDs, ULIDs, `req-abc.1:2`).
// Anything else (spaces, quotes, control characters, non-ASCII) could break log lines or header parsing.
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]+$/;

/** True when a caller-supplied id can be reused as is. */
export function isWellFormedCorrelationId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_CORRELATION_ID_LENGTH && SAFE_CORRELATION_ID.test(value);
}

/**
 * Keeps a rejected value for investigation without letting it inject anything: truncated to the
 * accepted length and with every character outside printable ASCII (and the backslash) escaped.
 */
export function escapeRejectedCorrelationId(value: string): string {
  const truncated = value.slice(0, MAX_CORRELATION_ID_LENGTH);
  let escaped = '';
  for (const char of truncated) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x7f && char !== '\\' && char !== '"') escaped += char;
    else escaped += code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  }
  return value.length > MAX_CORRELATION_ID_LENGTH ? `${escaped}...` : escaped;
}

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Sorting by id sorts by creation
 * time, which keeps audit queries and index ranges cheap.
 */
export function generateCorrelationId(now: number = Date.now()): string {
  // A v4 UUID from Node's batched entropy cache (randomUUID), then the time and version 7 written
  // over its first 13 hex digits: the same layout as filling 16 random bytes, at a fifth of the cost
  // per request. The v4 variant bits are the RFC 9562 variant already.
  const random = randomUUID();
  const ms = now.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15)}`;
}
