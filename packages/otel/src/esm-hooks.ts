// The ESM loader hook, registered by `--import @tracetail/otel/register` so that one flag is enough
// for ES modules too (upstream needs a second --experimental-loader flag: open-telemetry/opentelemetry-js#4933).
// Only the modules the loaded instrumentations patch are intercepted, which keeps the hook's cost
// off every other import. Synchronous in-thread hooks (module.registerHooks) where Node supports
// them, else the off-thread `module.register` loader.
import { createRequire, register } from 'node:module';
import { internalLog } from './internal-log.ts';

const requireFromHere = createRequire(import.meta.url);
const kEsmHooks = Symbol.for('tracetail.otel.esm-hooks');
const globalStore = globalThis as unknown as Record<symbol, boolean | undefined>;

// Built-ins are not listed: their patches land on the CommonJS exports and reach ES module imports
// through the re-synced built-in facades (builtin-esm-sync.ts), so wrapping them here would only
// add a module per import.
export function esmHookIncludeList(hookedModules: readonly string[]): string[] {
  return [...new Set(hookedModules)];
}

export async function registerEsmHooks(hookedModules: readonly string[]): Promise<void> {
  if (globalStore[kEsmHooks] === true) return;
  globalStore[kEsmHooks] = true;
  const include = esmHookIncludeList(hookedModules);
  try {
    const hooks = await import('import-in-the-middle/register-hooks.mjs');
    if (hooks.supportsSyncHooks()) {
      hooks.register({ include });
      internalLog.debug(`ESM hooks (synchronous) for ${include.join(', ')}`);
      return;
    }
    const hookUrl = requireFromHere.resolve('import-in-the-middle/hook.mjs');
    register(new URL(`file://${hookUrl}`).href, import.meta.url, { data: { include } });
    internalLog.debug(`ESM hooks (loader thread) for ${include.join(', ')}`);
  } catch (error) {
    internalLog.warn(
      `ES modules will not be instrumented: the loader hook failed to register: ${String(error)}`,
    );
  }
}
