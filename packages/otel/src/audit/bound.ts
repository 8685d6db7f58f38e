/** Limits applied to free-form audit values so one event cannot grow a line without bound. */
export interface ValueLimits {
  readonly maxStringLength: number;
  readonly maxDepth: number;
  readonly maxKeys: number;
}

export const DEFAULT_VALUE_LIMITS: ValueLimits = Object.freeze({
  maxStringLength: 2048,
  maxDepth: 6,
  maxKeys: 64,
});

/** Cuts a string and says how much was cut, so a reader never mistakes it for the whole value. */
export function truncateString(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}…[truncated ${value.length - max} chars]`;
}

/**
 * Turns any value into plain JSON data within the limits: cycles, functions, symbols and bigints
 * become strings instead of making `JSON.stringify` throw inside `audit.record()`.
 */
export function boundValue(value: unknown, limits: ValueLimits = DEFAULT_VALUE_LIMITS): unknown {
  const seen = new WeakSet<object>();
  const walk = (item: unknown, depth: number): unknown => {
    if (item === null || typeof item === 'boolean') return item;
    if (typeof item === 'number') return Number.isFinite(item) ? item : String(item);
    if (typeof item === 'string') return truncateString(item, limits.maxStringLength);
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'undefined') return undefined;
    if (typeof item === 'function' || typeof item === 'symbol') return `[${typeof item}]`;
    if (item instanceof Date) return Number.isNaN(item.getTime()) ? 'Invalid Date' : item.toISOString();
    if (item instanceof Error)
      return { name: item.name, message: truncateString(item.message, limits.maxStringLength) };
    if (seen.has(item)) return '[circular]';
    if (depth >= limits.maxDepth) return '[depth limit]';
    seen.add(item);
    if (Array.isArray(item)) {
      const out = item.slice(0, limits.maxKeys).map((child) => walk(child, depth + 1) ?? null);
      if (item.length > limits.maxKeys) out.push(`[${item.length - limits.maxKeys} more items]`);
      return out;
    }
    const out: Record<string, unknown> = {};
    const keys = Object.keys(item);
    for (const key of keys.slice(0, limits.maxKeys)) {
      const child = walk((item as Record<string, unknown>)[key], depth + 1);
      // defineProperty: a `__proto__` key (e.g. from JSON.parse) stays data instead of a prototype.
      if (child !== undefined)
        Object.defineProperty(out, key, {
          value: child,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    if (keys.length > limits.maxKeys) out['…'] = `[${keys.length - limits.maxKeys} more keys]`;
    return out;
  };
  return walk(value, 0);
}
