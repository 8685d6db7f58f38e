const BRAND = Symbol.for('tracetail.error');

/**
 * Coded CLI errors. The `Symbol.for` brand lets `isTracetailCliError` recognise them across
 * duplicate installs, where `instanceof` would fail.
 */
export class TracetailCliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly [BRAND] = true;
  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'TracetailCliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command line: unknown command or option, missing argument. */
export class CliUsageError extends TracetailCliError {
  constructor(message: string) {
    super('TRACETAIL_ERR_CLI_USAGE', message, 2);
    this.name = 'CliUsageError';
  }
}

/** An audit file named on the command line cannot be read. */
export class AuditFileError extends TracetailCliError {
  constructor(message: string) {
    super('TRACETAIL_ERR_AUDIT_FILE', message, 2);
    this.name = 'AuditFileError';
  }
}

export function isTracetailCliError(error: unknown): error is TracetailCliError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}
