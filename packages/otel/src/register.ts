// `node --import @tracetail/otel/register app.mjs` (or app.js): starts the preload and registers
// the ESM loader hook, so ES modules are instrumented with this one flag. The rest is imported
// dynamically, after the Node version check: a static import that fails to link (an API an old Node
// lacks) would end the host process before any of our code could catch it.
import { unsupportedNodeReason, warnUnsupportedNode } from './node-support.ts';

const unsupported = unsupportedNodeReason();
if (unsupported !== undefined) {
  warnUnsupportedNode(unsupported);
} else {
  try {
    const { startPreload } = await import('./start.ts');
    const state = startPreload('import');
    if (state?.sdk !== undefined) {
      const { registerEsmHooks } = await import('./esm-hooks.ts');
      await registerEsmHooks(state.sdk.hookedModules);
    }
  } catch {
    // startPreload and registerEsmHooks report their own failures; the host must never see one.
  }
}
