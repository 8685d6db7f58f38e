// The tracetail logger: winston, one JSON object per line, to stdout and optionally to a
// size-rotated file that the tailer follows. Record layout (documented in the README):
//   timestamp, level, message, service.name, trace_id, span_id, trace_flags, enricher fields, caller fields
import winston from 'winston';
import { loadConfig } from './config.ts';
import { addShutdownTask } from './extensions.ts';
import { internalLog } from './internal-log.ts';
import { activeTraceFields, applyEnrichers, SERVICE_NAME_FIELD } from './log-record.ts';
import { createRedactor, type Redactor } from './redact.ts';

// winston's formatted-output slot (triple-beam's MESSAGE).
const MESSAGE = Symbol.for('message');

const RESERVED = new Set([
  'timestamp',
  'level',
  'message',
  SERVICE_NAME_FIELD,
  'trace_id',
  'span_id',
  'trace_flags',
]);

export interface LoggerOptions {
  /** Default: TRACETAIL_LOG_LEVEL or `info`. */
  level?: string;
  /** Default: OTEL_SERVICE_NAME. */
  serviceName?: string;
  /** Write to stdout. Default: TRACETAIL_LOG_STDOUT (true). */
  stdout?: boolean;
  /** Also write to this file, rotated by size. Default: TRACETAIL_LOG_FILE. */
  file?: string;
  /** Rotate the file at this many bytes. Default: TRACETAIL_LOG_FILE_MAX_SIZE (50 MiB). */
  maxFileSize?: number;
  /** Rotated files to keep. Default: TRACETAIL_LOG_FILE_MAX_FILES (5). */
  maxFiles?: number;
  /** Fields added to every record of this logger. */
  defaultFields?: Record<string, unknown>;
  /** Redactor for the record's fields. Default: the defaults plus TRACETAIL_REDACT_KEYS. */
  redactor?: Redactor;
}

function safeStringify(value: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, current: unknown) => {
    if (typeof current === 'bigint') return current.toString();
    if (current instanceof Error) {
      return { name: current.name, message: current.message, stack: current.stack };
    }
    if (typeof current === 'object' && current !== null) {
      if (seen.has(current)) return '[Circular]';
      seen.add(current);
    }
    return current;
  });
}

/** Builds the ordered record for one winston `info` object. Exported for the tests and the audit log. */
export function buildRecord(
  info: Record<string, unknown>,
  serviceName: string,
  redactor: Redactor,
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    timestamp: new Date().toISOString(),
    level: info.level,
    message: info.message,
    [SERVICE_NAME_FIELD]: serviceName,
  };
  const fields = activeTraceFields();
  if (fields !== undefined) Object.assign(record, fields);
  applyEnrichers(record);
  for (const key of Object.keys(info)) {
    if (RESERVED.has(key) || key in record) continue;
    record[key] = info[key];
  }
  return redactor.redact(record);
}

function jsonLine(serviceName: string, redactor: Redactor): winston.Logform.Format {
  return winston.format((info) => {
    const record = buildRecord(info as Record<string, unknown>, serviceName, redactor);
    (info as unknown as Record<symbol, unknown>)[MESSAGE] = safeStringify(record);
    return info;
  })();
}

export function createLogger(options: LoggerOptions = {}): winston.Logger {
  const config = loadConfig();
  const redactor = options.redactor ?? createRedactor({ keys: config.redactKeys });
  const transports: winston.transport[] = [];
  if (options.stdout ?? config.logStdout) {
    transports.push(new winston.transports.Stream({ stream: process.stdout }));
  }
  const file = options.file ?? config.logFile;
  if (file !== undefined) {
    // `tailable`: the live file keeps its name and older ones are shifted to name1, name2, …,
    // which is the rename-and-recreate rotation the tailer follows.
    transports.push(
      new winston.transports.File({
        filename: file,
        maxsize: options.maxFileSize ?? config.logFileMaxSize,
        maxFiles: options.maxFiles ?? config.logFileMaxFiles,
        tailable: true,
      }),
    );
  }
  const logger = winston.createLogger({
    level: options.level ?? config.appLogLevel,
    defaultMeta: options.defaultFields,
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      jsonLine(options.serviceName ?? config.serviceName, redactor),
    ),
    transports,
    exitOnError: false,
  });
  logger.on('error', (error: unknown) =>
    internalLog.once('error', 'logger-transport', `log transport failed: ${String(error)}`),
  );
  addShutdownTask(() => flushLogger(logger));
  return logger;
}

/** Waits until the logger's file transports have handed what they were given to the OS. */
export function flushLogger(logger: winston.Logger): Promise<void> {
  const files = logger.transports.filter(
    (transport): transport is InstanceType<typeof winston.transports.File> =>
      transport instanceof winston.transports.File,
  );
  const pending = (): number =>
    files.reduce((sum, transport) => {
      // The File transport writes through an internal stream (`_dest`); its buffer is what is left.
      const dest = (transport as unknown as { _dest?: { writableLength?: number } })._dest;
      return sum + (dest?.writableLength ?? 0);
    }, 0);
  return new Promise<void>((resolve) => {
    // Polled rather than waiting for 'drain', which only fires after a write returned false.
    // The caller bounds the wait with the shutdown deadline.
    const check = (): void => {
      if (pending() === 0) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
}

let defaultLogger: winston.Logger | undefined;

/** The process-wide tracetail logger, created on first use. */
export function getLogger(): winston.Logger {
  defaultLogger ??= createLogger();
  return defaultLogger;
}
