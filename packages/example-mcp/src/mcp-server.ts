import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerBenchTools } from './tools/bench.ts';
import type { ToolContext } from './tools/context.ts';
import { registerDiffusionTool } from './tools/diffusion.ts';
import { registerSandboxTool } from './tools/sandbox.ts';
import { registerTimeTool } from './tools/time.ts';

export const SERVER_NAME = 'tracetail-example-mcp';
export const SERVER_VERSION = '0.1.0';

/** One McpServer per session (the SDK binds a server to one transport). */
export function createMcpServer(context: Omit<ToolContext, 'client'>): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION });
  const toolContext: ToolContext = { ...context, client: () => server.server.getClientVersion() };
  registerTimeTool(server);
  registerSandboxTool(server, toolContext);
  registerDiffusionTool(server, toolContext);
  registerBenchTools(server, toolContext);
  return server;
}
