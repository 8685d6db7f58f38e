import { readFileSync } from 'node:fs';
import { type Counter, diag, metrics } from '@opentelemetry/api';
import { loadConfig } from '../config.ts';
import { readAuditConfig } from './config.ts';
import { AuditLog, type AuditStats, zeroAuditStats } from './log.ts';
import type { AuditRecordInput } from './schema.ts';

/** The library-level audit API: `import { audit } from '@tracetail/otel'`. */
export interface Audit {
  /** Appends one event to the audit trail. Never throws; see the README for the schema. */
  record(event: AuditRecordInput): void;
  /** Writes and fsyncs queued events now (batch mode flushes on a timer and at exit anyway). */
  flush(): void;
  /** Counters: recorded, written, invalid, spilled, dropped, blockedFlushes. */
  stats(): Readonly<AuditStats>;
  /** The resolved path of the active audit file. */
  readonly file: string;
}

const METER_NAME = '@tracetail/otel/audit';

/**
 * OTel counters mirroring AuditStats. Created on first change because the metrics API has no proxy
 * provider: instruments made before the SDK starts would stay no-ops forever.
 */
function metricSink(): (delta: Partial<AuditStats>) => void {
  let counters: Record<'recorded' | 'invalid' | 'spilled' | 'dropped', Counter> | undefined;
  return (delta) => {
    counters ??= (() => {
      const meter = metrics.getMeter(METER_NAME);
      return {
        recorded: meter.createCounter('tracetail.audit.events', { description: 'Audit events recorded' }),
        invalid: meter.createCounter('tracetail.audit.invalid', {
          description: 'Audit events that failed schema validation (written, flagged)',
        }),
        spilled: meter.createCounter('tracetail.audit.spilled', {
          description: 'Audit events written to the spill file because the audit file could not be written',
        }),
        dropped: meter.createCounter('tracetail.audit.dropped', {
          description: 'Audit events lost (file, spill and memory reserve all failed); alert on any',
        }),
      };
    })();
    for (const key of ['recorded', 'invalid', 'spilled', 'dropped'] as const) {
      const value = delta[key];
      if (value !== undefined && value > 0) counters[key].add(value);
    }
  };
}

/** Same resolution as the span resource (OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES). */
function serviceName(): string {
  try {
    return loadConfig().serviceName;
  } catch {
    return 'unknown_service:node';
  }
}

/** Minimum key length: 32 bytes, the HMAC-SHA256 block-size guidance for full strength. */
const MIN_KEY_BYTES = 32;

function readHmacKey(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    const key = readFileSync(file);
    const trimmed = Buffer.from(key.toString('utf8').trim(), 'utf8');
    if (trimmed.length >= MIN_KEY_BYTES) return trimmed;
    diag.error(
      `tracetail audit: TRACETAIL_AUDIT_HMAC_KEY_FILE holds fewer than ${MIN_KEY_BYTES} bytes; chain is NOT keyed`,
    );
  } catch (error) {
    diag.error('tracetail audit: cannot read TRACETAIL_AUDIT_HMAC_KEY_FILE; chain is NOT keyed', error);
  }
  return undefined;
}

const AUDIT_KEY = Symbol.for('tracetail.audit.log');
type GlobalWithAudit = typeof globalThis & { [AUDIT_KEY]?: AuditLog | null };

function sharedLog(): AuditLog | null {
  const holder = globalThis as GlobalWithAudit;
  if (holder[AUDIT_KEY] !== undefined) return holder[AUDIT_KEY];
  const { config, warnings } = readAuditConfig();
  for (const warning of warnings) diag.warn(`tracetail audit: ${warning}`);
  holder[AUDIT_KEY] = config.enabled
    ? new AuditLog({
        file: config.file,
        spillFile: config.spillFile,
        mode: config.mode,
        flushIntervalMs: config.flushIntervalMs,
        maxQueue: config.maxQueue,
        maxFileBytes: config.maxFileBytes,
        serviceName,
        hmacKey: readHmacKey(config.hmacKeyFile),
        onStats: metricSink(),
      })
    : null;
  return holder[AUDIT_KEY];
}

const EMPTY_STATS: Readonly<AuditStats> = Object.freeze(zeroAuditStats());

export const audit: Audit = Object.freeze({
  record(event: AuditRecordInput): void {
    try {
      sharedLog()?.record(event);
    } catch (error) {
      diag.error('tracetail audit: record failed', error);
    }
  },
  flush(): void {
    try {
      sharedLog()?.flush();
    } catch (error) {
      diag.error('tracetail audit: flush failed', error);
    }
  },
  stats(): Readonly<AuditStats> {
    return sharedLog()?.stats() ?? EMPTY_STATS;
  },
  get file(): string {
    return sharedLog()?.file ?? '';
  },
});
