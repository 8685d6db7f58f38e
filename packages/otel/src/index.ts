// @tracetail/otel library entry: the logger and helpers an app calls on purpose. Loading this
// module does not start the SDK; the preload (`@tracetail/otel/register`) does.
import type winston from 'winston';
import { getLogger } from './logger.ts';
import { preloadState } from './start.ts';

export type { Audit } from './audit/facade.ts';
export { audit } from './audit/facade.ts';
export type { AuditOutcome, AuditRecordInput, AuditStats } from './audit/index.ts';
export { AUDIT_EVENT_FIELDS } from './audit/index.ts';
export type { TracetailConfig } from './config.ts';
export { loadConfig, parseConfig } from './config.ts';
export { CORRELATION_HEADER, getCorrelationId, runWithCorrelationId } from './correlation/index.ts';
export type {
  Counter,
  Gauge,
  Histogram,
  HistogramOptions,
  Labels,
  MetricOptions,
  UpDownCounter,
} from './custom-metrics.ts';
export { counter, DEFAULT_SECONDS_BUCKETS, gauge, histogram, upDownCounter } from './custom-metrics.ts';
export type { TracetailErrorCode } from './errors.ts';
export { isTracetailError, TracetailError } from './errors.ts';
export type {
  HttpIgnoreIncomingHook,
  HttpServerRequestHook,
  HttpServerResponseHook,
  InstrumentationDescriptor,
  LogRecordEnricher,
  ReadinessCheck,
  ShutdownTask,
} from './extensions.ts';
export {
  addHttpIgnoreIncomingHook,
  addHttpServerRequestHook,
  addHttpServerResponseHook,
  addLogRecordEnricher,
  addReadinessCheck,
  addShutdownTask,
  registerInstrumentation,
  removeReadinessCheck,
} from './extensions.ts';
export type { ReadinessReport, SdkState } from './health.ts';
export { readiness, sdkState } from './health.ts';
export type { TraceFields } from './log-record.ts';
export { activeTraceFields, SERVICE_NAME_FIELD } from './log-record.ts';
export type { LoggerOptions } from './logger.ts';
export { createLogger, getLogger } from './logger.ts';
export { METRIC_RENAMES } from './metric-names.ts';
export type { Redactor, RedactorOptions } from './redact.ts';
export { createRedactor, DEFAULT_REDACT_KEYS, REDACTED } from './redact.ts';

/** The process-wide JSON logger (stdout, plus TRACETAIL_LOG_FILE when set). */
export const logger: winston.Logger = getLogger();

/**
 * Flushes and stops telemetry now (spans, metrics, registered shutdown tasks), bounded by
 * TRACETAIL_SHUTDOWN_TIMEOUT. For apps that exit through their own code path. No-op without the preload.
 */
export async function shutdown(): Promise<void> {
  await preloadState()?.shutdown();
}

/** Where /metrics and the health endpoints listen, once bound; undefined without the preload. */
export async function metricsAddress(): Promise<{ host: string; port: number } | undefined> {
  return preloadState()?.sdk?.metricsServer?.listening;
}
