export { canonicalJson, GENESIS_HASH, hashAuditEvent } from './canonical.ts';
export type { AuditConfig, AuditConfigResult } from './config.ts';
export { AUDIT_CONFIG_DEFAULTS, readAuditConfig } from './config.ts';
export type { Audit } from './facade.ts';
export { audit } from './facade.ts';
export { rotatedPath, sortAuditFiles, spillPath } from './files.ts';
export type { AuditLogOptions, AuditStats } from './log.ts';
export { AuditLog } from './log.ts';
export type { QueryOptions } from './query.ts';
export { queryAuditFiles } from './query.ts';
export type { AuditRedactor } from './redaction.ts';
export { setAuditRedactor } from './redaction.ts';
export type { AuditCategory, AuditEventType, AuditOutcome, AuditRecordInput, FieldSpec } from './schema.ts';
export {
  AUDIT_CATEGORIES,
  AUDIT_EVENT_FIELDS,
  AUDIT_EVENT_TYPES,
  AUDIT_OUTCOMES,
  validateAuditInput,
} from './schema.ts';
export type { ChainBreak, VerifyOptions, VerifyResult } from './verify.ts';
export { verifyAuditFiles } from './verify.ts';
