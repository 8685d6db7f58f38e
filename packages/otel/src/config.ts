// The one configuration schema of the preload. Every variable is read here, once, at start.
// A bad value never stops the app: it yields one warning that names the variable, the accepted
// values and the default used instead. Secrets (header values) are never echoed.
import { type InternalLogLevel, internalLog, setInternalLogLevel } from './internal-log.ts';

export type Sampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export type MetricsExporter = 'prometheus' | 'otlp';
export type TracesExporter = 'otlp' | 'none';
export type AppLogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

export interface TracetailConfig {
  readonly sdkDisabled: boolean;
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly logLevel: InternalLogLevel;
  readonly tracesExporter: TracesExporter;
  readonly tracesEndpoint: string;
  readonly tracesHeaders: Readonly<Record<string, string>>;
  readonly sampler: Sampler;
  readonly samplerRatio: number;
  readonly spanQueueSize: number;
  readonly spanBatchSize: number;
  readonly spanScheduleDelayMs: number;
  readonly spanExportTimeoutMs: number;
  readonly enabledInstrumentations: readonly string[] | undefined;
  readonly disabledInstrumentations: readonly string[];
  readonly metricsExporters: readonly MetricsExporter[];
  readonly metricsEndpoint: string;
  readonly metricsHeaders: Readonly<Record<string, string>>;
  readonly metricExportIntervalMs: number;
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly shutdownTimeoutMs: number;
  readonly appLogLevel: AppLogLevel;
  readonly logStdout: boolean;
  readonly logFile: string | undefined;
  readonly logFileMaxSize: number;
  readonly logFileMaxFiles: number;
  readonly redactKeys: readonly string[];
  readonly excludeCommands: readonly string[];
}

/** Every instrumentation name accepted by OTEL_NODE_{EN,DIS}ABLED_INSTRUMENTATIONS. */
export const INSTRUMENTATION_NAMES: readonly string[] = Object.freeze([
  'http',
  'undici',
  'express',
  'koa',
  'pg',
  'mysql2',
  'redis',
  'ioredis',
  'mongodb',
  'winston',
  'pino',
  'runtime-node',
  'fs',
  'dns',
  'net',
]);

/** Instrumentations that stay off unless named in OTEL_NODE_ENABLED_INSTRUMENTATIONS. */
export const OFF_BY_DEFAULT_INSTRUMENTATIONS: readonly string[] = Object.freeze(['fs', 'dns', 'net']);

const SAMPLERS: readonly Sampler[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const LOG_LEVELS: readonly InternalLogLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const APP_LOG_LEVELS: readonly AppLogLevel[] = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';
export const DEFAULT_EXCLUDED_COMMANDS: readonly string[] = Object.freeze([
  'npm',
  'npx',
  'pnpm',
  'yarn',
  'corepack',
  'node-gyp',
]);

type Env = Readonly<Record<string, string | undefined>>;

class Reader {
  readonly warnings: string[] = [];
  readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  warn(name: string, shown: string, accepted: string, fallback: string): void {
    this.warnings.push(`${name}=${shown} is not valid; accepted: ${accepted}. Using ${fallback}.`);
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.warn(name, JSON.stringify(value), choices.join(', '), fallback);
    return fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.warn(name, JSON.stringify(value), 'true, false', String(fallback));
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number, unit = ''): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    this.warn(name, JSON.stringify(value), `an integer from ${min} to ${max}${unit}`, `${fallback}${unit}`);
    return fallback;
  }

  /** Bytes, with an optional k/m/g (×1024) suffix: `10485760`, `10m`, `512k`. */
  size(name: string, fallback: number): number {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*([kmg]?)i?b?$/.exec(value);
    const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;
    if (match?.[1] !== undefined) {
      const bytes = Number(match[1]) * scale[(match[2] ?? '') as keyof typeof scale];
      if (bytes >= 1024) return bytes;
    }
    this.warn(
      name,
      JSON.stringify(value),
      'a size of at least 1024 bytes, e.g. 10485760, 512k, 10m',
      `${fallback}`,
    );
    return fallback;
  }

  list(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  url(name: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      const parsed = new URL(value);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return value;
    } catch {
      // fall through to the warning
    }
    // URLs may embed credentials: show only that it was rejected, not the value.
    this.warn(name, '<value hidden>', 'an absolute http:// or https:// URL', fallback);
    return fallback;
  }

  /** `key=value,key2=value2` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, *_HEADERS). */
  keyValues(name: string, secret: boolean): Record<string, string> {
    const value = this.raw(name);
    const out: Record<string, string> = {};
    if (value === undefined) return out;
    let bad = 0;
    for (const entry of value.split(',')) {
      if (entry.trim() === '') continue;
      const eq = entry.indexOf('=');
      const key = eq === -1 ? '' : entry.slice(0, eq).trim();
      if (key === '') {
        bad++;
        continue;
      }
      try {
        out[key] = decodeURIComponent(entry.slice(eq + 1).trim());
      } catch {
        bad++;
      }
    }
    if (bad > 0) {
      const shown = secret ? '<value hidden>' : JSON.stringify(value);
      this.warn(
        name,
        shown,
        'comma-separated key=value pairs with percent-encoded values',
        'the valid pairs only',
      );
    }
    return out;
  }
}

function joinPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export interface ParsedConfig {
  readonly config: TracetailConfig;
  readonly warnings: readonly string[];
}

export function parseConfig(env: Env = process.env): ParsedConfig {
  const r = new Reader(env);

  const resourceAttributes = r.keyValues('OTEL_RESOURCE_ATTRIBUTES', false);
  const serviceName =
    r.raw('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'unknown_service:node';

  const baseEndpoint = r.url('OTEL_EXPORTER_OTLP_ENDPOINT', DEFAULT_OTLP_ENDPOINT);
  const tracesEndpoint = r.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', joinPath(baseEndpoint, '/v1/traces'));
  const metricsEndpoint = r.url('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', joinPath(baseEndpoint, '/v1/metrics'));
  const commonHeaders = r.keyValues('OTEL_EXPORTER_OTLP_HEADERS', true);

  const sampler = r.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  let samplerRatio = 1;
  if (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') {
    const arg = r.raw('OTEL_TRACES_SAMPLER_ARG');
    const ratio = arg === undefined ? 1 : Number(arg);
    if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) samplerRatio = ratio;
    else r.warn('OTEL_TRACES_SAMPLER_ARG', JSON.stringify(arg), 'a number from 0 to 1', '1');
  }

  const instrumentationList = (name: string): string[] | undefined => {
    // Names are checked against the registered instrumentations in sdk.ts, because modules may
    // register their own (extensions.ts) after this file has run.
    return r.list(name)?.map((item) => item.toLowerCase());
  };

  const metricsList = r.list('OTEL_METRICS_EXPORTER')?.map((item) => item.toLowerCase());
  let metricsExporters: MetricsExporter[] = ['prometheus'];
  if (metricsList !== undefined) {
    const valid = metricsList.every((item) => ['prometheus', 'otlp', 'none'].includes(item));
    if (!valid || metricsList.length === 0) {
      r.warn(
        'OTEL_METRICS_EXPORTER',
        JSON.stringify(metricsList.join(',')),
        'prometheus, otlp, none, or a comma list',
        'prometheus',
      );
    } else {
      metricsExporters = metricsList.filter((item): item is MetricsExporter => item !== 'none');
    }
  }

  const spanQueueSize = r.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000);
  // The SDK requires batch <= queue; clamp rather than reject, as upstream does.
  const spanBatchSize = Math.min(
    r.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000),
    spanQueueSize,
  );

  const excludeList = r.list('TRACETAIL_EXCLUDE_COMMANDS');

  const config: TracetailConfig = {
    sdkDisabled: r.boolean('OTEL_SDK_DISABLED', false),
    serviceName,
    resourceAttributes: Object.freeze(resourceAttributes),
    logLevel: r.oneOf('OTEL_LOG_LEVEL', LOG_LEVELS, 'warn'),
    tracesExporter: r.oneOf<TracesExporter>('OTEL_TRACES_EXPORTER', ['otlp', 'none'], 'otlp'),
    tracesEndpoint,
    tracesHeaders: Object.freeze({
      ...commonHeaders,
      ...r.keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', true),
    }),
    sampler,
    samplerRatio,
    spanQueueSize,
    spanBatchSize,
    spanScheduleDelayMs: r.integer('OTEL_BSP_SCHEDULE_DELAY', 1000, 1, 3_600_000, ' ms'),
    spanExportTimeoutMs: r.integer('OTEL_BSP_EXPORT_TIMEOUT', 10_000, 1, 3_600_000, ' ms'),
    enabledInstrumentations: instrumentationList('OTEL_NODE_ENABLED_INSTRUMENTATIONS'),
    disabledInstrumentations: instrumentationList('OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [],
    metricsExporters: Object.freeze(metricsExporters),
    metricsEndpoint,
    metricsHeaders: Object.freeze({
      ...commonHeaders,
      ...r.keyValues('OTEL_EXPORTER_OTLP_METRICS_HEADERS', true),
    }),
    metricExportIntervalMs: r.integer('OTEL_METRIC_EXPORT_INTERVAL', 60_000, 100, 86_400_000, ' ms'),
    metricsHost: r.raw('OTEL_EXPORTER_PROMETHEUS_HOST') ?? '127.0.0.1',
    metricsPort: r.integer('OTEL_EXPORTER_PROMETHEUS_PORT', 9464, 0, 65_535),
    shutdownTimeoutMs: r.integer('TRACETAIL_SHUTDOWN_TIMEOUT', 5000, 100, 120_000, ' ms'),
    appLogLevel: r.oneOf('TRACETAIL_LOG_LEVEL', APP_LOG_LEVELS, 'info'),
    logStdout: r.boolean('TRACETAIL_LOG_STDOUT', true),
    logFile: r.raw('TRACETAIL_LOG_FILE'),
    logFileMaxSize: r.size('TRACETAIL_LOG_FILE_MAX_SIZE', 50 * 1024 * 1024),
    logFileMaxFiles: r.integer('TRACETAIL_LOG_FILE_MAX_FILES', 5, 1, 1000),
    redactKeys: Object.freeze(r.list('TRACETAIL_REDACT_KEYS') ?? []),
    excludeCommands: Object.freeze(excludeList ?? [...DEFAULT_EXCLUDED_COMMANDS]),
  };
  return Object.freeze({ config: Object.freeze(config), warnings: Object.freeze(r.warnings) });
}

const kConfig = Symbol.for('tracetail.otel.config');
const globalStore = globalThis as unknown as Record<symbol, TracetailConfig | undefined>;

/**
 * The process-wide configuration, parsed once. The first caller (normally the preload) writes
 * each warning once to stderr; later callers, including a second copy of this package, get the
 * same frozen object.
 */
export function loadConfig(): TracetailConfig {
  const existing = globalStore[kConfig];
  if (existing !== undefined) return existing;
  const { config, warnings } = parseConfig(process.env);
  setInternalLogLevel(config.logLevel);
  for (const warning of warnings) internalLog.warn(warning);
  globalStore[kConfig] = config;
  return config;
}
