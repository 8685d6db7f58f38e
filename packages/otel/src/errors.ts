// Coded errors. The preload itself never throws into the host: these classes exist so that the
// library API (called by the app on purpose) can fail with a stable, documented code, and so that
// internal failures caught by the preload are reported with the same codes.

const kTracetailError = Symbol.for('tracetail.otel.error');

/** Every code, in the order the README documents them (a test keeps the two in step). */
export const TRACETAIL_ERROR_CODES = Object.freeze([
  'TRACETAIL_ERR_INVALID_METRIC_NAME',
  'TRACETAIL_ERR_INVALID_LABELS',
] as const);

export type TracetailErrorCode = (typeof TRACETAIL_ERROR_CODES)[number];

export class TracetailError extends Error {
  readonly code: TracetailErrorCode;

  constructor(code: TracetailErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TracetailError';
    this.code = code;
    // A brand on the instance (not only the prototype) so `isTracetailError` still works when two
    // copies of the package are installed side by side.
    Object.defineProperty(this, kTracetailError, { value: true });
  }
}

export function isTracetailError(value: unknown): value is TracetailError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[kTracetailError] === true
  );
}
