// Loads a library instrumentation when the app first asks for the library it patches, not at
// start. "Installed" is not "used": a monorepo or a large node_modules makes express, koa, winston,
// pino … resolvable from every service, and loading their instrumentation packages at start cost
// a hello-world tens of ms each (bench/startup.ts). dd-trace does the same (DataDog/dd-trace-js#2242).
//
// A synchronous resolve hook (module.registerHooks, Node ≥ 22.15) sees every bare specifier before
// the module is loaded, for require() and import alike. On the first one naming a pending package,
// the instrumentation is created; its require-in-the-middle / import-in-the-middle hooks are then
// registered before the module itself loads, so it is patched exactly as if created at start.
// A namespace import: a named one would fail to link on a Node without registerHooks.
import * as nodeModule from 'node:module';
import type { InstrumentationDescriptor } from './extensions.ts';
import { internalLog } from './internal-log.ts';

/** The package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), else undefined. */
export function packageOf(specifier: string): string | undefined {
  const first = specifier.charCodeAt(0);
  // '.', '/', and URLs / node: built-ins (a ':' before any '/') are not package names.
  if (first === 46 || first === 47) return undefined;
  const slash = specifier.indexOf('/');
  const colon = specifier.indexOf(':');
  if (colon !== -1 && (slash === -1 || colon < slash)) return undefined;
  if (first === 64) {
    if (slash === -1) return undefined;
    const second = specifier.indexOf('/', slash + 1);
    return second === -1 ? specifier : specifier.slice(0, second);
  }
  return slash === -1 ? specifier : specifier.slice(0, slash);
}

/**
 * Calls `load(descriptor)` once, when one of `descriptor.modules` is first resolved. Returns false
 * when the runtime has no synchronous resolve hooks (the caller then loads them all at once).
 */
export function loadOnFirstUse(
  descriptors: readonly InstrumentationDescriptor[],
  load: (descriptor: InstrumentationDescriptor) => void,
): boolean {
  if (typeof nodeModule.registerHooks !== 'function') return false;
  const pending = new Map<string, InstrumentationDescriptor[]>();
  for (const descriptor of descriptors) {
    for (const pkg of descriptor.modules) pending.set(pkg, [...(pending.get(pkg) ?? []), descriptor]);
  }
  let hooks: { deregister(): void } | undefined;
  const activate = (pkg: string): void => {
    const waiting = pending.get(pkg);
    if (waiting === undefined) return;
    for (const descriptor of waiting) {
      for (const name of descriptor.modules) pending.delete(name);
      internalLog.debug(`instrumentation ${descriptor.name}: first use of ${pkg}`);
      load(descriptor);
    }
    if (pending.size === 0) {
      // Not from inside the hook that is running; nothing is pending, so the hook is only overhead.
      setImmediate(() => hooks?.deregister()).unref();
    }
  };
  hooks = nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (pending.size > 0) {
        const pkg = packageOf(specifier);
        if (pkg !== undefined && pending.has(pkg)) {
          try {
            activate(pkg);
          } catch {
            // load() reports its own failures; resolution must go on regardless.
          }
        }
      }
      return nextResolve(specifier, context);
    },
  });
  return true;
}
