// `node --import @tracetail/otel/register app.mjs` (or app.js): starts the preload and registers
// the ESM loader hook, so ES modules are instrumented with this one flag.
import { registerEsmHooks } from './esm-hooks.ts';
import { startPreload } from './start.ts';

try {
  const state = startPreload('import');
  if (state?.sdk !== undefined) await registerEsmHooks(state.sdk.hookedModules);
} catch {
  // startPreload and registerEsmHooks report their own failures; the host must never see one.
}
