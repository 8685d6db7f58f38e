// Extension points of the SDK assembly (sdk.ts). Modules that add behaviour to the preload (audit
// log, correlation ids, MCP tool spans, …) register here *before* the SDK starts, normally from a
// side-effect import listed in `preload-extensions.ts`. Registrations after start are still honoured
// by the hooks that run per request / per log record; instrumentations registered after start are
// enabled immediately.
//
// Every hook is called inside a try/catch: a failing extension is reported once and skipped, it
// never breaks the request or the log call it was attached to.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';

export interface InstrumentationDescriptor {
  /** Name used in OTEL_NODE_ENABLED_INSTRUMENTATIONS / _DISABLED_INSTRUMENTATIONS. */
  readonly name: string;
  /**
   * Packages (or `node:` built-ins) the instrumentation patches. The instrumentation is loaded only
   * when one of them is installed where the app can resolve it; an empty list means "always".
   * They are also the modules the ESM loader hook intercepts.
   */
  readonly modules: readonly string[];
  /**
   * Node built-ins it patches (`http`, `fs`, …). They are required right after the instrumentation
   * is enabled, so the patch lands on their CommonJS exports at once, and then the ES module
   * facades of all built-ins are re-synced: `import { request } from 'node:http'` must see the
   * patched function (see builtin-esm-sync.ts).
   */
  readonly builtins?: readonly string[];
  /** Off unless named in OTEL_NODE_ENABLED_INSTRUMENTATIONS. */
  readonly offByDefault?: boolean;
  /**
   * Patches no module (metrics only), so it can be created after the app's main module has run
   * instead of before it: this takes its load time off the app's start-up path.
   */
  readonly afterStart?: boolean;
  /** Builds the instrumentation(s); called at most once, only when needed. */
  create(): Instrumentation | readonly Instrumentation[];
}

/** Called for every incoming HTTP request that gets a span (after the span starts). */
export type HttpServerRequestHook = (span: Span, request: IncomingMessage) => void;
/** Called when the response of an instrumented incoming request is done. */
export type HttpServerResponseHook = (span: Span, response: ServerResponse) => void;
/** Return true to create no span (and no metrics) for this incoming request. */
export type HttpIgnoreIncomingHook = (request: IncomingMessage) => boolean;

/**
 * Adds fields to a log record. Runs for records of the tracetail logger and of winston/pino
 * loggers the app creates itself. Mutate `record`; never replace existing caller fields.
 */
export type LogRecordEnricher = (record: Record<string, unknown>) => void;

/** Resolves true when ready; a rejection or false marks the process not ready. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Work to finish before the process exits (flush a queue, close a file). Bounded by the deadline. */
export type ShutdownTask = () => Promise<void> | void;

export interface ExtensionRegistry {
  readonly instrumentations: InstrumentationDescriptor[];
  readonly httpServerRequestHooks: HttpServerRequestHook[];
  readonly httpServerResponseHooks: HttpServerResponseHook[];
  readonly httpIgnoreIncomingHooks: HttpIgnoreIncomingHook[];
  readonly logRecordEnrichers: LogRecordEnricher[];
  readonly readinessChecks: Map<string, ReadinessCheck>;
  readonly shutdownTasks: ShutdownTask[];
  /** Set by sdk.ts once running, so late instrumentation registrations can be enabled at once. */
  onInstrumentationAdded: ((descriptor: InstrumentationDescriptor) => void) | undefined;
}

// One registry per process, also across two installed copies of this package.
const kRegistry = Symbol.for('tracetail.otel.extensions');
const globalStore = globalThis as unknown as Record<symbol, ExtensionRegistry | undefined>;

function createRegistry(): ExtensionRegistry {
  return {
    instrumentations: [],
    httpServerRequestHooks: [],
    httpServerResponseHooks: [],
    httpIgnoreIncomingHooks: [],
    logRecordEnrichers: [],
    readinessChecks: new Map(),
    shutdownTasks: [],
    onInstrumentationAdded: undefined,
  };
}

export const extensions: ExtensionRegistry = globalStore[kRegistry] ?? createRegistry();
globalStore[kRegistry] = extensions;

export function registerInstrumentation(descriptor: InstrumentationDescriptor): void {
  extensions.instrumentations.push(descriptor);
  extensions.onInstrumentationAdded?.(descriptor);
}

export function addHttpServerRequestHook(hook: HttpServerRequestHook): void {
  extensions.httpServerRequestHooks.push(hook);
}

export function addHttpServerResponseHook(hook: HttpServerResponseHook): void {
  extensions.httpServerResponseHooks.push(hook);
}

export function addHttpIgnoreIncomingHook(hook: HttpIgnoreIncomingHook): void {
  extensions.httpIgnoreIncomingHooks.push(hook);
}

export function addLogRecordEnricher(enricher: LogRecordEnricher): void {
  extensions.logRecordEnrichers.push(enricher);
}

/** Adds (or replaces) a named readiness check behind `/health/ready`. */
export function addReadinessCheck(name: string, check: ReadinessCheck): void {
  extensions.readinessChecks.set(name, check);
}

export function removeReadinessCheck(name: string): void {
  extensions.readinessChecks.delete(name);
}

export function addShutdownTask(task: ShutdownTask): void {
  extensions.shutdownTasks.push(task);
}
