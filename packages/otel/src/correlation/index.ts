export type { CorrelationStore } from './context.ts';
export {
  getCorrelationId,
  getCorrelationStore,
  resolveCorrelation,
  runWithCorrelationId,
} from './context.ts';
export {
  CORRELATION_BAGGAGE_KEY,
  CORRELATION_HEADER,
  correlationIdFromHeaders,
  REQUEST_ID_HEADER,
} from './headers.ts';
export { installCorrelationHttpHooks } from './http-hooks.ts';
export {
  escapeRejectedCorrelationId,
  generateCorrelationId,
  isWellFormedCorrelationId,
  MAX_CORRELATION_ID_LENGTH,
} from './id.ts';
export { correlationLogFields } from './log-fields.ts';
