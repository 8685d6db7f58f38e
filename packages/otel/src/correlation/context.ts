import { AsyncLocalStorage } from 'node:async_hooks';
import { escapeRejectedCorrelationId, generateCorrelationId, isWellFormedCorrelationId } from './id.ts';

/** What the current request (or job) is known by. */
export interface CorrelationStore {
  readonly correlationId: string;
  /** The caller's value when it was malformed and replaced, truncated and escaped. */
  readonly rejectedCorrelationId?: string;
}

// One storage per process even if two copies of this module load (CJS and ESM, or two installs):
// otherwise the id set by the http hook would be invisible to the logger of the other copy.
const STORAGE_KEY = Symbol.for('tracetail.correlation.storage');
type GlobalWithStorage = typeof globalThis & { [STORAGE_KEY]?: AsyncLocalStorage<CorrelationStore> };
const holder = globalThis as GlobalWithStorage;
holder[STORAGE_KEY] ??= new AsyncLocalStorage<CorrelationStore>();

/** The process-wide store; exported for the hooks in this folder, not part of the public API. */
export const correlationStorage: AsyncLocalStorage<CorrelationStore> = holder[STORAGE_KEY];

/** The correlation id of the request or job being handled, or undefined outside of one. */
export function getCorrelationId(): string | undefined {
  return correlationStorage.getStore()?.correlationId;
}

/** The full store (id and any rejected caller value) for log and audit enrichment. */
export function getCorrelationStore(): CorrelationStore | undefined {
  return correlationStorage.getStore();
}

/**
 * Runs `fn` with a correlation id, for work that does not start from an HTTP request: queue
 * consumers, cron jobs, scripts. A malformed or missing id is replaced by a generated one so that
 * everything inside still correlates.
 */
export function runWithCorrelationId<T>(id: string | undefined, fn: () => T): T {
  return correlationStorage.run(resolveCorrelation(id), fn);
}

/** Reuses a well-formed id, otherwise generates one and keeps the rejected value (escaped). */
export function resolveCorrelation(candidate: string | undefined): CorrelationStore {
  if (candidate === undefined || candidate === '') return { correlationId: generateCorrelationId() };
  if (isWellFormedCorrelationId(candidate)) return { correlationId: candidate };
  return {
    correlationId: generateCorrelationId(),
    rejectedCorrelationId: escapeRejectedCorrelationId(candidate),
  };
}
