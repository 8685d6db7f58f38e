// The oldest Node the preload runs on (engines.node). On an older one the preload gives one warning
// and stays out of the way, instead of half-starting an SDK that needs newer runtime APIs
// (module.registerHooks, require(esm)). It imports nothing, so it loads wherever this package loads.

/** Keep equal to engines.node in package.json (a test checks). */
const MINIMUM = [22, 15, 0] as const;

export const minimumNodeVersion = MINIMUM.join('.');

/** Why this Node cannot run the preload, or undefined when it can. */
export function unsupportedNodeReason(version: string = process.versions.node): string | undefined {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < MINIMUM.length; i++) {
    const part = parts[i] ?? 0;
    if (part > MINIMUM[i]!) return undefined;
    if (part < MINIMUM[i]!) {
      return `Node v${version} is older than v${minimumNodeVersion}, the oldest @tracetail/otel supports; the app runs without telemetry (upgrade Node to enable it)`;
    }
  }
  return undefined;
}

/** Writes the reason once per process (both entry points may run: -r and --import together). */
export function warnUnsupportedNode(reason: string): void {
  const key = Symbol.for('tracetail.otel.unsupported-node-warned');
  const store = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (store[key] === true) return;
  store[key] = true;
  process.stderr.write(`tracetail warn: ${reason}\n`);
}
