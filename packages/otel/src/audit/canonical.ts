import { createHash, createHmac } from 'node:crypto';

/** `prev_hash` of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every level, so the hash does not depend on key order and a
 * verifier can recompute it from the parsed line.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** `hash_alg` of events hashed with a key; absent means plain SHA-256. */
export const HMAC_HASH_ALG = 'hmac-sha256';

/**
 * SHA-256 (hex) of the canonical form of an event, ignoring its own `hash` field; HMAC-SHA256
 * with `key`, so that only holders of the key can produce a chain that verifies.
 */
export function hashAuditEvent(event: Readonly<Record<string, unknown>>, key?: Buffer): string {
  const { hash: _ignored, ...rest } = event;
  const digest = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  return digest.update(canonicalJson(rest)).digest('hex');
}
