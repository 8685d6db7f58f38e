// The preload's own diagnostics. They go to stderr (never stdout, which carries the app's JSON log
// lines) as plain `tracetail <level>: <message>` lines, honour OTEL_LOG_LEVEL, and warnings/errors
// of one kind are written once per process so a dead Collector cannot flood the app's stderr.
import type { DiagLogger, DiagLogLevel as DiagLogLevelType } from '@opentelemetry/api';
import { otelApi } from './otel-cjs.ts';

const { DiagLogLevel } = otelApi;

export type InternalLogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

const RANK: Readonly<Record<InternalLogLevel, number>> = {
  none: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  verbose: 5,
  all: 6,
};

// Bounded: after this many distinct kinds we stop remembering (and stop writing) new ones.
const MAX_KINDS = 256;

interface InternalLogState {
  level: InternalLogLevel;
  seenKinds: Set<string>;
  suppressed: number;
}

const kState = Symbol.for('tracetail.otel.internal-log');
const globalStore = globalThis as unknown as Record<symbol, InternalLogState | undefined>;
const state: InternalLogState = globalStore[kState] ?? { level: 'warn', seenKinds: new Set(), suppressed: 0 };
globalStore[kState] = state;

export function setInternalLogLevel(level: InternalLogLevel): void {
  state.level = level;
}

export function internalLogLevel(): InternalLogLevel {
  return state.level;
}

function write(level: Exclude<InternalLogLevel, 'none' | 'all'>, message: string): void {
  if (RANK[state.level] < RANK[level]) return;
  try {
    process.stderr.write(`tracetail ${level}: ${message}\n`);
  } catch {
    // stderr closed: nothing sensible left to do, and the host must not notice.
  }
}

export const internalLog = {
  error: (message: string): void => write('error', message),
  warn: (message: string): void => write('warn', message),
  info: (message: string): void => write('info', message),
  debug: (message: string): void => write('debug', message),
  /** Writes the message only the first time `kind` is seen; later ones are counted, not written. */
  once(level: 'error' | 'warn' | 'info', kind: string, message: string): void {
    if (state.seenKinds.has(kind) || state.seenKinds.size >= MAX_KINDS) {
      state.suppressed++;
      return;
    }
    state.seenKinds.add(kind);
    write(level, `${message} (further reports of this kind are suppressed)`);
  },
  suppressedCount: (): number => state.suppressed,
};

// OTel components report export failures through `diag` with the error in the text; strip the
// volatile parts (numbers, ids, quoted values) so "the same failure" collapses to one kind.
export function kindOf(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'/g, '"…"')
    .replace(/\d+/g, '#')
    .slice(0, 160);
}

function formatArgs(message: string, args: unknown[]): string {
  if (args.length === 0) return message;
  const rendered = args.map((arg) => {
    if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
    if (typeof arg === 'string') return arg;
    try {
      return JSON.stringify(arg)?.slice(0, 500) ?? String(arg);
    } catch {
      return String(arg);
    }
  });
  return `${message} ${rendered.join(' ')}`;
}

/** The OTel `diag` logger that routes the SDK's own messages into the lines above. */
export const otelDiagLogger: DiagLogger = {
  error: (message, ...args) => internalLog.once('error', kindOf(message), formatArgs(message, args)),
  warn: (message, ...args) => internalLog.once('warn', kindOf(message), formatArgs(message, args)),
  info: (message, ...args) => write('info', formatArgs(message, args)),
  debug: (message, ...args) => write('debug', formatArgs(message, args)),
  verbose: (message, ...args) => write('verbose', formatArgs(message, args)),
};

export function toDiagLogLevel(level: InternalLogLevel): DiagLogLevelType {
  switch (level) {
    case 'none':
      return DiagLogLevel.NONE;
    case 'error':
      return DiagLogLevel.ERROR;
    case 'warn':
      return DiagLogLevel.WARN;
    case 'info':
      return DiagLogLevel.INFO;
    case 'debug':
      return DiagLogLevel.DEBUG;
    case 'verbose':
      return DiagLogLevel.VERBOSE;
    case 'all':
      return DiagLogLevel.ALL;
  }
}
