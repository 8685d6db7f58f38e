import type { ToolMetrics } from './metrics.ts';

/** What every tool handler gets besides its arguments. */
export interface ToolContext {
  readonly metrics: ToolMetrics;
  /** Directory `bench.write_file` writes under; nothing outside it is touched. */
  readonly scratchDir: string;
  /** Probability (0..1) that `diffusion.generate` fails, to make dashboards show errors. */
  readonly diffusionFailureRate: number;
  /** The MCP client of the session, from `initialize`. */
  readonly client: () => { name?: string; version?: string } | undefined;
}

/** The `extra` fields handlers read (session id of the Streamable HTTP session). */
export interface HandlerExtra {
  readonly sessionId?: string | undefined;
}

export function textResult(text: string, isError = false) {
  return { content: [{ type: 'text' as const, text }], ...(isError ? { isError: true } : {}) };
}
