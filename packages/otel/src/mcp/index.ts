export { readMcpConfig } from './config.ts';
export type { McpInstrumentationConfig } from './instrumentation.ts';
export { McpServerInstrumentation } from './instrumentation.ts';
export {
  AUDIT_ACTION_TOOL_CALL,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCP_SERVER_SESSION_DURATION,
  METRIC_TRACETAIL_MCP_SESSIONS_ACTIVE,
  METRIC_TRACETAIL_MCP_TOOL_CALLS,
} from './semconv.ts';
