// Coded errors: callers and tests branch on `code`, people read `message` (which always says what to do).

export type StackErrorCode =
  | 'TRACETAIL_ERR_STACK_PREREQUISITE'
  | 'TRACETAIL_ERR_STACK_OBTAIN'
  | 'TRACETAIL_ERR_STACK_CONFIG'
  | 'TRACETAIL_ERR_STACK_PORT_IN_USE'
  | 'TRACETAIL_ERR_STACK_NOT_READY'
  | 'TRACETAIL_ERR_STACK_STOP';

export class StackError extends Error {
  readonly code: StackErrorCode;
  constructor(code: StackErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StackError';
    this.code = code;
  }
}

/** A tool the launcher needs (Go, a JDK, apt, network to a registry) is missing. */
export class PrerequisiteError extends StackError {
  constructor(message: string, options?: ErrorOptions) {
    super('TRACETAIL_ERR_STACK_PREREQUISITE', message, options);
    this.name = 'PrerequisiteError';
  }
}

/** Installing, downloading or building a backend failed; the message carries the log tail. */
export class ObtainError extends StackError {
  constructor(message: string, options?: ErrorOptions) {
    super('TRACETAIL_ERR_STACK_OBTAIN', message, options);
    this.name = 'ObtainError';
  }
}

/** A config file or the versions file is not what the launcher expects. */
export class StackConfigError extends StackError {
  constructor(message: string, options?: ErrorOptions) {
    super('TRACETAIL_ERR_STACK_CONFIG', message, options);
    this.name = 'StackConfigError';
  }
}

export class PortInUseError extends StackError {
  readonly port: number;
  constructor(port: number, message: string) {
    super('TRACETAIL_ERR_STACK_PORT_IN_USE', message);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/** A backend did not answer its readiness endpoint in time; the message carries its log tail. */
export class NotReadyError extends StackError {
  constructor(message: string, options?: ErrorOptions) {
    super('TRACETAIL_ERR_STACK_NOT_READY', message, options);
    this.name = 'NotReadyError';
  }
}

export class StopError extends StackError {
  constructor(message: string, options?: ErrorOptions) {
    super('TRACETAIL_ERR_STACK_STOP', message, options);
    this.name = 'StopError';
  }
}
