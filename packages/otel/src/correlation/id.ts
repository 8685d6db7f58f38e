import { randomBytes } from 'node:crypto';

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
  const bytes = randomBytes(16);
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70; // version 7
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
