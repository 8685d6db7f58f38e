/**
 * The audit event schema: one table that drives validation, the README table and the tests.
 * Keys are the flat dotted names written to the file (ECS `event.*` where ECS has a field, the
 * MCP DevBench names otherwise), so the tailer and the Elasticsearch mapping read them as is.
 */

export const AUDIT_OUTCOMES = ['success', 'failure', 'unknown'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** ECS `event.category` values that audit events use. */
export const AUDIT_CATEGORIES = [
  'api',
  'authentication',
  'configuration',
  'database',
  'file',
  'host',
  'iam',
  'network',
  'process',
  'session',
  'web',
] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

/** ECS `event.type` values. */
export const AUDIT_EVENT_TYPES = [
  'access',
  'admin',
  'allowed',
  'change',
  'creation',
  'deletion',
  'denied',
  'end',
  'error',
  'info',
  'start',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** What the application passes to `audit.record()`. */
export interface AuditRecordInput {
  /** `event.action`: what happened, dotted lower case, e.g. `container.spawn`, `fs.write`, `tool.call`. */
  action: string;
  /** `event.outcome` (and DevBench `result` unless given). Defaults to `unknown`. */
  outcome?: AuditOutcome;
  /** `event.category`; derived from the action prefix when omitted (fs.* -> file, exec.* -> process). */
  category?: AuditCategory | AuditCategory[];
  /** `event.type`; derived from well-known actions when omitted. */
  type?: AuditEventType | AuditEventType[];
  /** `event.reason`: why, e.g. the error message of a failure. */
  reason?: string;
  /** Who acted: `user.id`, `user.name`. */
  actor?: { id?: string; name?: string };
  /** The MCP client (DevBench `client_name`, plus its version). */
  client?: { name?: string; version?: string };
  session_id?: string;
  container_id?: string;
  image?: string;
  /** What was acted on: a path, URL or id. */
  resource?: string;
  tool_name?: string;
  /** DevBench `result`; defaults to the outcome. */
  result?: string;
  /** Duration in milliseconds; also written as ECS `event.duration` in nanoseconds. */
  duration_ms?: number;
  /** Anything else worth keeping; redacted and truncated like log records. */
  details?: Record<string, unknown>;
}

export interface FieldSpec {
  readonly key: string;
  readonly type: 'string' | 'integer' | 'number' | 'string[]' | 'object';
  readonly required: boolean;
  readonly description: string;
}

/** The written event, in file order. `hash` is last and covers everything else. */
export const AUDIT_EVENT_FIELDS: readonly FieldSpec[] = Object.freeze([
  { key: 'timestamp', type: 'string', required: true, description: 'ISO 8601 UTC time of `record()`' },
  { key: 'seq', type: 'integer', required: true, description: 'per-process sequence number, from 1' },
  {
    key: 'event.action',
    type: 'string',
    required: true,
    description: 'what happened (`container.spawn`, `tool.call`)',
  },
  { key: 'event.outcome', type: 'string', required: true, description: '`success`, `failure` or `unknown`' },
  {
    key: 'event.category',
    type: 'string[]',
    required: false,
    description: 'ECS category (`process`, `file`, `api`…)',
  },
  {
    key: 'event.type',
    type: 'string[]',
    required: false,
    description: 'ECS type (`start`, `creation`, `deletion`…)',
  },
  { key: 'event.reason', type: 'string', required: false, description: 'why, e.g. the error of a failure' },
  { key: 'event.duration', type: 'integer', required: false, description: 'duration in nanoseconds (ECS)' },
  { key: 'duration_ms', type: 'number', required: false, description: 'duration in milliseconds (DevBench)' },
  { key: 'result', type: 'string', required: true, description: 'DevBench result, defaults to the outcome' },
  { key: 'correlation_id', type: 'string', required: false, description: 'id of the request or job' },
  {
    key: 'correlation_id_rejected',
    type: 'string',
    required: false,
    description: 'malformed caller id, escaped',
  },
  { key: 'trace_id', type: 'string', required: false, description: 'active trace (32 hex)' },
  { key: 'span_id', type: 'string', required: false, description: 'active span (16 hex)' },
  { key: 'service.name', type: 'string', required: true, description: 'OTEL_SERVICE_NAME of the writer' },
  { key: 'user.id', type: 'string', required: false, description: 'acting user id' },
  { key: 'user.name', type: 'string', required: false, description: 'acting user name' },
  { key: 'client_name', type: 'string', required: false, description: 'MCP client name (from `initialize`)' },
  { key: 'client_version', type: 'string', required: false, description: 'MCP client version' },
  { key: 'session_id', type: 'string', required: false, description: 'MCP session id' },
  { key: 'container_id', type: 'string', required: false, description: 'container acted on' },
  { key: 'image', type: 'string', required: false, description: 'container image' },
  { key: 'resource', type: 'string', required: false, description: 'path, URL or id acted on' },
  { key: 'tool_name', type: 'string', required: false, description: 'MCP tool name' },
  { key: 'details', type: 'object', required: false, description: 'free-form, redacted and truncated' },
  {
    key: 'validation_error',
    type: 'string',
    required: false,
    description: 'set when the input broke the schema',
  },
  { key: 'hash_alg', type: 'string', required: false, description: '`hmac-sha256` when the chain is keyed' },
  {
    key: 'prev_hash',
    type: 'string',
    required: true,
    description: '`hash` of the previous event (64 zeros first)',
  },
  {
    key: 'hash',
    type: 'string',
    required: true,
    description: 'SHA-256 of the canonical event without `hash`',
  },
] satisfies FieldSpec[]);

/** The keys `audit.record` understands; any other key is kept, under `details`. */
export const INPUT_KEYS: ReadonlySet<string> = new Set([
  'action',
  'outcome',
  'category',
  'type',
  'reason',
  'actor',
  'client',
  'session_id',
  'container_id',
  'image',
  'resource',
  'tool_name',
  'result',
  'duration_ms',
  'details',
]);
const STRING_INPUT_KEYS = [
  'reason',
  'session_id',
  'container_id',
  'image',
  'resource',
  'tool_name',
  'result',
];
const ACTION_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
const MAX_ACTION_LENGTH = 128;

function checkList(value: unknown, allowed: readonly string[], path: string, problems: string[]): void {
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (typeof item !== 'string' || !allowed.includes(item)) {
      problems.push(`${path}: ${JSON.stringify(item)} is not one of ${allowed.join(', ')}`);
    }
  }
}

function checkStrings(value: unknown, keys: readonly string[], path: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path}: expected an object like { ${keys.map((k) => `${k}: string`).join(', ')} }`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!keys.includes(key)) problems.push(`${path}.${key}: unknown key (known: ${keys.join(', ')})`);
    else if (item !== undefined && typeof item !== 'string')
      problems.push(`${path}.${key}: expected a string`);
  }
}

/**
 * Checks an `audit.record()` input against the schema. Returns the problems, each naming the
 * offending key and what is expected; an empty list means valid. Never throws.
 */
export function validateAuditInput(input: unknown): string[] {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return ['event: expected an object like { action: "fs.write", outcome: "success" }'];
  }
  const record = input as Record<string, unknown>;
  const { action } = record;
  if (typeof action !== 'string' || action === '') {
    problems.push('action: required, a dotted lower-case name such as "container.spawn"');
  } else if (action.length > MAX_ACTION_LENGTH || !ACTION_PATTERN.test(action)) {
    problems.push(
      `action: ${JSON.stringify(action.slice(0, 64))} must match ${ACTION_PATTERN} (≤ ${MAX_ACTION_LENGTH})`,
    );
  }
  if (record.outcome !== undefined) checkList(record.outcome, AUDIT_OUTCOMES, 'outcome', problems);
  if (record.category !== undefined) checkList(record.category, AUDIT_CATEGORIES, 'category', problems);
  if (record.type !== undefined) checkList(record.type, AUDIT_EVENT_TYPES, 'type', problems);
  for (const key of STRING_INPUT_KEYS) {
    if (record[key] !== undefined && typeof record[key] !== 'string')
      problems.push(`${key}: expected a string`);
  }
  if (record.actor !== undefined) checkStrings(record.actor, ['id', 'name'], 'actor', problems);
  if (record.client !== undefined) checkStrings(record.client, ['name', 'version'], 'client', problems);
  const duration = record.duration_ms;
  if (
    duration !== undefined &&
    (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0)
  ) {
    problems.push('duration_ms: expected a finite number ≥ 0 (milliseconds)');
  }
  const details = record.details;
  if (details !== undefined && (typeof details !== 'object' || details === null || Array.isArray(details))) {
    problems.push('details: expected an object');
  }
  for (const key of Object.keys(record)) {
    if (!INPUT_KEYS.has(key))
      problems.push(`${key}: unknown key (kept under details.${key}); put extra fields in details`);
  }
  return problems;
}

const CATEGORY_BY_PREFIX: Readonly<Record<string, AuditCategory>> = {
  container: 'process',
  exec: 'process',
  fs: 'file',
  tool: 'api',
  session: 'session',
  auth: 'authentication',
  config: 'configuration',
};

const TYPES_BY_ACTION: Readonly<Record<string, AuditEventType[]>> = {
  'container.spawn': ['creation', 'start'],
  'container.attach': ['access'],
  'container.kill': ['end'],
  'exec.start': ['start'],
  'exec.signal': ['change'],
  'fs.read': ['access'],
  'fs.write': ['change'],
  'fs.delete': ['deletion'],
  'tool.call': ['access'],
};

/** ECS category implied by an action's first segment, if any. */
export function defaultCategory(action: string): AuditCategory[] | undefined {
  const prefix = action.split('.')[0] ?? '';
  // Own properties only: an action named `constructor.x` must not pick up Object.prototype.
  const category = Object.hasOwn(CATEGORY_BY_PREFIX, prefix) ? CATEGORY_BY_PREFIX[prefix] : undefined;
  return category === undefined ? undefined : [category];
}

/** ECS types implied by a well-known action, if any. */
export function defaultTypes(action: string): AuditEventType[] | undefined {
  return Object.hasOwn(TYPES_BY_ACTION, action) ? TYPES_BY_ACTION[action] : undefined;
}
