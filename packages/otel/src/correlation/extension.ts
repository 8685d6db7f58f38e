// Side-effect module loaded by the preload: wires correlation ids into the SDK's extension points.
import { diag } from '@opentelemetry/api';
import { addHttpServerRequestHook, addLogRecordEnricher } from '../extensions.ts';
import { getCorrelationStore } from './context.ts';
import { installCorrelationHttpHooks } from './http-hooks.ts';
import { correlationLogFields } from './log-fields.ts';

/** Span attribute holding the correlation id (same name as the log and audit field). */
export const CORRELATION_SPAN_ATTRIBUTE = 'correlation_id';
/** Span attribute holding a rejected (malformed) caller value, escaped. */
export const REJECTED_CORRELATION_SPAN_ATTRIBUTE = 'correlation_id_rejected';

/**
 * `TRACETAIL_CORRELATION_TRUST_INCOMING` (default true): reuse a well-formed caller id. Set it to
 * false on services exposed to untrusted callers (like fastify's default): every request then gets
 * a generated id and the caller's value goes to `correlation_id_rejected`.
 */
function trustIncoming(): boolean {
  const raw = process.env.TRACETAIL_CORRELATION_TRUST_INCOMING?.trim().toLowerCase();
  if (raw === undefined || raw === '' || ['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  diag.warn(
    `tracetail: TRACETAIL_CORRELATION_TRUST_INCOMING=${JSON.stringify(raw)} is not true/false; using true`,
  );
  return true;
}

installCorrelationHttpHooks({ trustIncoming: trustIncoming() });

// The http hook above entered the store before the instrumentation opened the server span.
addHttpServerRequestHook((span) => {
  const store = getCorrelationStore();
  if (store === undefined) return;
  span.setAttribute(CORRELATION_SPAN_ATTRIBUTE, store.correlationId);
  if (store.rejectedCorrelationId !== undefined) {
    span.setAttribute(REJECTED_CORRELATION_SPAN_ATTRIBUTE, store.rejectedCorrelationId);
  }
});

addLogRecordEnricher((record) => {
  for (const [key, value] of Object.entries(correlationLogFields())) {
    if (record[key] === undefined) record[key] = value;
  }
});
