// Coded errors so callers (and tests) match on `code`, never on message text.

export class TailerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TailerError';
    this.code = code;
  }
}

/** A config problem: `keyPath` is the dotted path of the offending key (e.g. `sinks.loki.url`). */
export class ConfigError extends TailerError {
  readonly keyPath: string;
  constructor(keyPath: string, message: string) {
    super('TRACETAIL_ERR_CONFIG', `${keyPath || '(root)'}: ${message}`);
    this.name = 'ConfigError';
    this.keyPath = keyPath;
  }
}

/** Several config problems found in one pass; each is reported on its own line. */
export class ConfigErrors extends TailerError {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super('TRACETAIL_ERR_CONFIG', errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
    this.errors = errors;
  }
}

/** A sink answered in a way that must not be retried as-is (e.g. a 4xx that is not 429). */
export class SinkRejectedError extends TailerError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('SHIP_ERR_REJECTED', message);
    this.name = 'SinkRejectedError';
    this.status = status;
  }
}

/** A sink failure that may succeed later (network error, 429, 5xx). */
export class SinkRetryableError extends TailerError {
  readonly status: number;
  constructor(status: number, message: string, options?: ErrorOptions) {
    super('SHIP_ERR_RETRYABLE', message, options);
    this.name = 'SinkRetryableError';
    this.status = status;
  }
}

/** The request body exceeds the sink's limit: split the batch. */
export class SinkTooLargeError extends TailerError {
  constructor(message: string) {
    super('SHIP_ERR_TOO_LARGE', message);
    this.name = 'SinkTooLargeError';
  }
}

/** What a 401/403 from a sink means for the operator, naming the config key to fix; '' otherwise. */
export function authHint(status: number, sink: 'loki' | 'elasticsearch'): string {
  if (status === 401) return `authentication failed; check sinks.${sink}.auth`;
  if (status === 403)
    return sink === 'loki'
      ? 'access denied; check sinks.loki.auth and sinks.loki.tenant'
      : 'access denied; the credentials of sinks.elasticsearch.auth lack a privilege (index templates, create_doc)';
  return '';
}
