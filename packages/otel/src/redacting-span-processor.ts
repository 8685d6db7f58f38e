// Scrubs span attributes just before a span ends: values of sensitive keys (captured headers such
// as http.request.header.authorization, or attributes an app set itself) and sensitive query
// parameters inside URL attributes. Runs in `onEnding`, while the span is still writable, so the
// exporter never sees the original value.
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { REDACTED, type Redactor, redactQueryString } from './redact.ts';

const URL_ATTRIBUTES = new Set(['url.full', 'url.query', 'http.url', 'http.target']);
// Semantic-convention attributes whose names end like a sensitive key but hold no credential. The
// MCP spec forbids using the MCP session id for authentication; the MCP conventions record it so a
// session's calls can be grouped (and the audit log keys on it too).
const NOT_SECRETS = new Set(['mcp.session.id']);

export class RedactingSpanProcessor implements SpanProcessor {
  readonly #redactor: Redactor;

  constructor(redactor: Redactor) {
    this.#redactor = redactor;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  // Runs for every span: a for…in over the live attributes allocates nothing (Object.entries made
  // an array of pairs per span), and key checks hit the redactor's memo.
  onEnding(span: Span): void {
    const attributes = span.attributes;
    for (const key in attributes) {
      if (this.#redactor.isSensitiveKey(key) && !NOT_SECRETS.has(key)) {
        span.setAttribute(key, REDACTED);
      } else if (URL_ATTRIBUTES.has(key)) {
        const value = attributes[key];
        if (typeof value !== 'string' || !value.includes('=')) continue;
        const redacted = redactQueryString(value, this.#redactor);
        if (redacted !== value) span.setAttribute(key, redacted);
      }
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
