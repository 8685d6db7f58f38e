import { getCorrelationStore } from './context.ts';

/**
 * Fields a log record or audit event gets from the current correlation: `correlation_id`, plus
 * `correlation_id_rejected` when the caller's value was malformed. Empty outside a request or job.
 */
export function correlationLogFields(): Record<string, string> {
  const store = getCorrelationStore();
  if (store === undefined) return {};
  if (store.rejectedCorrelationId === undefined) return { correlation_id: store.correlationId };
  return { correlation_id: store.correlationId, correlation_id_rejected: store.rejectedCorrelationId };
}
