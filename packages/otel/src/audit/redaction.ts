/**
 * Redaction seam for audit events. The preload installs its shared redactor (the one applied to
 * log records) here, so both sinks hide the same secrets; until then a key-based default applies.
 */
export type AuditRedactor = (details: Record<string, unknown>) => Record<string, unknown>;

const REDACTED = '[REDACTED]';
// Same spirit as the log redaction defaults: keys that name credentials are hidden whatever the value.
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key/i;

/** Default: replaces the value of any key that names a credential, at any depth. */
export const redactSecretKeys: AuditRedactor = (details) => {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const next = SECRET_KEY.test(key) ? REDACTED : walk(child);
      // defineProperty: a `__proto__` key stays data instead of replacing the prototype.
      Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(details) as Record<string, unknown>;
};

let current: AuditRedactor = redactSecretKeys;

/** Installs the redactor the audit log applies to `details` (and MCP tool arguments/results). */
export function setAuditRedactor(redactor: AuditRedactor): void {
  current = redactor;
}

export function redactAuditDetails(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return current(details);
  } catch {
    // A broken redactor must fail closed: hide everything rather than leak.
    return { redaction_failed: REDACTED };
  }
}
