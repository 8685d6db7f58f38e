// What every log line carries besides the caller's fields: trace correlation of the active span,
// the service name, and whatever registered enrichers add (e.g. correlation_id). Shared by the
// tracetail logger and by the log hooks on winston/pino loggers the app creates itself.
import type { Span } from '@opentelemetry/api';
import { extensions } from './extensions.ts';
import { internalLog } from './internal-log.ts';
import { otelApi } from './otel-cjs.ts';

const { isSpanContextValid, trace } = otelApi;

/** The flat, dotted key that holds the service name in every record. */
export const SERVICE_NAME_FIELD = 'service.name';

export interface TraceFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

export function traceFieldsOf(span: Span | undefined): TraceFields | undefined {
  if (span === undefined) return undefined;
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return undefined;
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    trace_flags: `0${context.traceFlags.toString(16)}`.slice(-2),
  };
}

export function activeTraceFields(): TraceFields | undefined {
  return traceFieldsOf(trace.getActiveSpan());
}

/** Runs every registered enricher on `record`; a throwing enricher is reported once and skipped. */
export function applyEnrichers(record: Record<string, unknown>): void {
  for (const enricher of extensions.logRecordEnrichers) {
    try {
      enricher(record);
    } catch (error) {
      internalLog.once(
        'warn',
        `enricher:${enricher.name}`,
        `log enricher ${enricher.name || '(anonymous)'} threw: ${String(error)}`,
      );
    }
  }
}
