// Names from the OpenTelemetry MCP semantic conventions (status: Development; moved from
// open-telemetry/semantic-conventions to semantic-conventions-genai, docs/gen-ai/mcp.md) and the
// GenAI conventions they reference. Pinned here as strings: the JS semconv package marks them
// incubating and they may still move.

export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
export const ATTR_MCP_PROTOCOL_VERSION = 'mcp.protocol.version';
export const ATTR_MCP_RESOURCE_URI = 'mcp.resource.uri';
export const ATTR_JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
export const ATTR_JSONRPC_PROTOCOL_VERSION = 'jsonrpc.protocol.version';
export const ATTR_RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';
/** Opt-in (may hold sensitive data): recorded only with TRACETAIL_MCP_CAPTURE_CONTENT=true. */
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
export const ATTR_NETWORK_PROTOCOL_NAME = 'network.protocol.name';

/** `gen_ai.operation.name` for `tools/call`. */
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
/** `error.type` when a tool returns `isError: true` (the call itself succeeded at the protocol level). */
export const ERROR_TYPE_TOOL_ERROR = 'tool_error';

/** Histogram, seconds: request duration as observed by the server. */
export const METRIC_MCP_SERVER_OPERATION_DURATION = 'mcp.server.operation.duration';
/** Histogram, seconds: from `initialize` to the close of the session. */
export const METRIC_MCP_SERVER_SESSION_DURATION = 'mcp.server.session.duration';
/** tracetail: counter of tool calls by `gen_ai.tool.name` and `outcome` (success|failure). */
export const METRIC_TRACETAIL_MCP_TOOL_CALLS = 'tracetail.mcp.tool.calls';
/** tracetail: up-down counter of initialized sessions not yet closed. */
export const METRIC_TRACETAIL_MCP_SESSIONS_ACTIVE = 'tracetail.mcp.sessions.active';

/** Audit `event.action` written for every `tools/call`. */
export const AUDIT_ACTION_TOOL_CALL = 'tool.call';

/** Bucket advice of the MCP conventions for the duration histograms (seconds). */
export const MCP_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
]);
