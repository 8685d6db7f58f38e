import { diag } from '@opentelemetry/api';
import type { McpInstrumentationConfig } from './instrumentation.ts';

/**
 * `TRACETAIL_MCP_CAPTURE_CONTENT` (default false): record tool arguments and results, redacted and
 * truncated to `TRACETAIL_MCP_CONTENT_MAX_CHARS` (default 2048). `TRACETAIL_MCP_AUDIT` (default
 * true): one `tool.call` audit event per call. Bad values warn and fall back to the default.
 */
export function readMcpConfig(env: NodeJS.ProcessEnv = process.env): McpInstrumentationConfig {
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    diag.warn(`tracetail: ${name}=${JSON.stringify(raw)} is not true/false; using ${fallback}`);
    return fallback;
  };
  let maxContentLength = 2048;
  const rawMax = env.TRACETAIL_MCP_CONTENT_MAX_CHARS?.trim();
  if (rawMax !== undefined && rawMax !== '') {
    const value = Number(rawMax);
    if (Number.isInteger(value) && value >= 16 && value <= 1_000_000) maxContentLength = value;
    else
      diag.warn(
        `tracetail: TRACETAIL_MCP_CONTENT_MAX_CHARS=${JSON.stringify(rawMax)} must be an integer in [16, 1000000]; using 2048`,
      );
  }
  return Object.freeze({
    captureContent: bool('TRACETAIL_MCP_CAPTURE_CONTENT', false),
    auditToolCalls: bool('TRACETAIL_MCP_AUDIT', true),
    maxContentLength,
  });
}
