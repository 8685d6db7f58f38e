// Makes ES module imports of patched Node built-ins see the patch.
//
// `import { request } from 'node:http'` binds to the built-in's ES module facade, whose named
// exports are copied from the CommonJS exports when the facade is first created and only updated by
// `module.syncBuiltinESMExports()`. The preload's own modules import `node:http` before any
// instrumentation is enabled, so the facade holds the unpatched functions. instrumentation-http
// patches a built-in once per process (its `_httpPatched` guard): the CommonJS exports, patched on
// the first `require('http')`, win and the ESM namespace handed to import-in-the-middle is skipped.
// So the ESM path never saw the patch, and named imports made uninstrumented outgoing calls.
//
// The fix: require the built-ins right after their instrumentation is enabled (the require hook
// patches the CommonJS exports now rather than whenever someone first requires them), then re-sync
// the facades once, before the app's first import runs.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { internalLog } from './internal-log.ts';

const requireFromHere = createRequire(import.meta.url);

export function patchBuiltinsForEsm(builtins: readonly string[]): void {
  for (const name of builtins) {
    try {
      requireFromHere(name);
    } catch (error) {
      internalLog.once('warn', `builtin:${name}`, `could not load built-in ${name}: ${String(error)}`);
    }
  }
  syncBuiltinESMExports();
}
