import { trace } from '@opentelemetry/api';
import { correlationLogFields } from '../correlation/log-fields.ts';
import { boundValue, DEFAULT_VALUE_LIMITS, truncateString } from './bound.ts';
import { redactAuditDetails } from './redaction.ts';
import {
  type AuditRecordInput,
  defaultCategory,
  defaultTypes,
  INPUT_KEYS,
  validateAuditInput,
} from './schema.ts';

const MAX_FIELD_LENGTH = 1024;

export interface EventContext {
  readonly seq: number;
  readonly serviceName: string;
  readonly now: Date;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return truncateString(typeof value === 'string' ? value : String(value), MAX_FIELD_LENGTH);
}

function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map((item) => String(item));
}

/**
 * Builds the written event (without `prev_hash`/`hash`) from whatever the caller passed. Invalid
 * input still yields an event: every value is kept (unknown keys under `details`) and the problems
 * go to `validation_error`, because an audit trail must not lose what the app tried to record.
 */
export function buildAuditEvent(input: unknown, context: EventContext): Record<string, unknown> {
  const problems = validateAuditInput(input);
  const record = (
    typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}
  ) as Partial<Record<keyof AuditRecordInput, unknown>> & Record<string, unknown>;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) record.details = { value: input };

  const action = text(record.action) ?? 'unknown';
  const outcome = text(record.outcome) ?? 'unknown';
  const durationMs = typeof record.duration_ms === 'number' ? record.duration_ms : undefined;
  const actor = (typeof record.actor === 'object' && record.actor !== null ? record.actor : {}) as Record<
    string,
    unknown
  >;
  const client = (typeof record.client === 'object' && record.client !== null ? record.client : {}) as Record<
    string,
    unknown
  >;

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!INPUT_KEYS.has(key)) extra[key] = value;
  }
  const rawDetails =
    typeof record.details === 'object' && record.details !== null && !Array.isArray(record.details)
      ? { ...(record.details as Record<string, unknown>), ...extra }
      : record.details === undefined
        ? extra
        : { value: record.details, ...extra };
  const details =
    Object.keys(rawDetails).length > 0
      ? redactAuditDetails(boundValue(rawDetails, DEFAULT_VALUE_LIMITS) as Record<string, unknown>)
      : undefined;

  const spanContext = trace.getActiveSpan()?.spanContext();
  const hasTrace = spanContext !== undefined && spanContext.traceId !== '00000000000000000000000000000000';

  const event: Record<string, unknown> = {
    timestamp: context.now.toISOString(),
    seq: context.seq,
    'event.action': action,
    'event.outcome': outcome,
    'event.category': list(record.category) ?? defaultCategory(action),
    'event.type': list(record.type) ?? defaultTypes(action),
    'event.reason': text(record.reason),
    'event.duration':
      durationMs === undefined || !Number.isFinite(durationMs) ? undefined : Math.round(durationMs * 1e6),
    duration_ms: durationMs,
    result: text(record.result) ?? outcome,
    ...correlationLogFields(),
    trace_id: hasTrace ? spanContext.traceId : undefined,
    span_id: hasTrace ? spanContext.spanId : undefined,
    'service.name': context.serviceName,
    'user.id': text(actor.id),
    'user.name': text(actor.name),
    client_name: text(client.name),
    client_version: text(client.version),
    session_id: text(record.session_id),
    container_id: text(record.container_id),
    image: text(record.image),
    resource: text(record.resource),
    tool_name: text(record.tool_name),
    details,
    validation_error: problems.length > 0 ? problems.join('; ') : undefined,
  };
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key];
  return event;
}
