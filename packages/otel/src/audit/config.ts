/** Audit log settings, read once from the environment (`TRACETAIL_AUDIT_*`) and frozen. */
export interface AuditConfig {
  /** `TRACETAIL_AUDIT_ENABLED` (default true): false turns `record()` into a no-op. */
  readonly enabled: boolean;
  /** `TRACETAIL_AUDIT_FILE` (default `./audit/audit.jsonl`, resolved against the cwd). */
  readonly file: string;
  /** `TRACETAIL_AUDIT_MODE`: `batch` (default) fsyncs every `flushIntervalMs`; `sync` fsyncs per event. */
  readonly mode: 'sync' | 'batch';
  /** `TRACETAIL_AUDIT_FLUSH_MS` (default 200): batch flush and fsync period. */
  readonly flushIntervalMs: number;
  /** `TRACETAIL_AUDIT_QUEUE_MAX` (default 10000): events held before `record()` flushes inline. */
  readonly maxQueue: number;
  /** `TRACETAIL_AUDIT_MAX_FILE_BYTES` (default 50 MiB): rotation threshold. */
  readonly maxFileBytes: number;
  /** `TRACETAIL_AUDIT_SPILL_FILE` (default `<file>.spill`): where events go if the file cannot be written. */
  readonly spillFile: string | undefined;
  /** `TRACETAIL_AUDIT_HMAC_KEY_FILE`: file holding the HMAC key (keyed chain); none by default. */
  readonly hmacKeyFile: string | undefined;
}

export const AUDIT_CONFIG_DEFAULTS: AuditConfig = Object.freeze({
  enabled: true,
  file: './audit/audit.jsonl',
  mode: 'batch',
  flushIntervalMs: 200,
  maxQueue: 10_000,
  maxFileBytes: 50 * 1024 * 1024,
  spillFile: undefined,
  hmacKeyFile: undefined,
});

export interface AuditConfigResult {
  readonly config: AuditConfig;
  /** One message per rejected variable, naming it and the fix; the default was used instead. */
  readonly warnings: readonly string[];
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  warnings: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  warnings.push(`${name}=${JSON.stringify(raw)} is not an integer in [${min}, ${max}]; using ${fallback}`);
  return fallback;
}

/**
 * Lenient like the rest of the preload: a bad value never stops the host, it is reported (by
 * variable name, with the accepted range) and replaced by the default.
 */
export function readAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfigResult {
  const warnings: string[] = [];
  const d = AUDIT_CONFIG_DEFAULTS;
  let enabled = d.enabled;
  const rawEnabled = env.TRACETAIL_AUDIT_ENABLED?.trim().toLowerCase();
  if (rawEnabled !== undefined && rawEnabled !== '') {
    if (['true', '1', 'yes', 'on'].includes(rawEnabled)) enabled = true;
    else if (['false', '0', 'no', 'off'].includes(rawEnabled)) enabled = false;
    else warnings.push(`TRACETAIL_AUDIT_ENABLED=${JSON.stringify(rawEnabled)} is not true/false; using true`);
  }
  let mode = d.mode;
  const rawMode = env.TRACETAIL_AUDIT_MODE?.trim();
  if (rawMode !== undefined && rawMode !== '') {
    if (rawMode === 'sync' || rawMode === 'batch') mode = rawMode;
    else
      warnings.push(`TRACETAIL_AUDIT_MODE=${JSON.stringify(rawMode)} must be "sync" or "batch"; using batch`);
  }
  const file = env.TRACETAIL_AUDIT_FILE?.trim() || d.file;
  const spill = env.TRACETAIL_AUDIT_SPILL_FILE?.trim();
  const keyFile = env.TRACETAIL_AUDIT_HMAC_KEY_FILE?.trim();
  const config: AuditConfig = Object.freeze({
    enabled,
    file,
    mode,
    flushIntervalMs: integer(env, 'TRACETAIL_AUDIT_FLUSH_MS', d.flushIntervalMs, 1, 60_000, warnings),
    maxQueue: integer(env, 'TRACETAIL_AUDIT_QUEUE_MAX', d.maxQueue, 1, 1_000_000, warnings),
    maxFileBytes: integer(env, 'TRACETAIL_AUDIT_MAX_FILE_BYTES', d.maxFileBytes, 4096, 2 ** 40, warnings),
    spillFile: spill === undefined || spill === '' ? undefined : spill,
    hmacKeyFile: keyFile === undefined || keyFile === '' ? undefined : keyFile,
  });
  return Object.freeze({ config, warnings: Object.freeze(warnings) });
}
