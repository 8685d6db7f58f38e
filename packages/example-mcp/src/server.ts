// Example MCP tool service over Streamable HTTP, instrumented only by the preload:
//   PORT=3000 node -r @tracetail/otel/register packages/example-mcp/dist/server.js
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { logger } from '@tracetail/otel';
import { readExampleConfig } from './config.ts';
import { createMcpServer } from './mcp-server.ts';
import { createToolMetrics } from './tools/metrics.ts';

const config = readExampleConfig();
const metrics = createToolMetrics();
const transports = new Map<string, StreamableHTTPServerTransport>();

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = req.headers['mcp-session-id'];
  const sessionId = Array.isArray(header) ? header[0] : header;
  let transport = sessionId === undefined ? undefined : transports.get(sessionId);
  if (transport === undefined) {
    if (sessionId !== undefined) return jsonRpcError(res, 404, 'unknown or expired session');
    if (req.method !== 'POST') return jsonRpcError(res, 400, 'start a session with an initialize POST');
    const created = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, created);
      },
    });
    created.onclose = () => {
      if (created.sessionId !== undefined) transports.delete(created.sessionId);
    };
    const server = createMcpServer({
      metrics,
      scratchDir: config.scratchDir,
      diffusionFailureRate: config.diffusionFailureRate,
    });
    await server.connect(created);
    transport = created;
  }
  await transport.handleRequest(req, res);
}

const httpServer = createServer((req, res) => {
  const started = performance.now();
  res.on('finish', () => {
    logger.info('request', {
      'http.request.method': req.method,
      'url.path': req.url,
      'http.response.status_code': res.statusCode,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    });
  });
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', sessions: transports.size }));
    return;
  }
  if (path !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  handleMcp(req, res).catch((error: unknown) => {
    logger.error('mcp request failed', { error: error instanceof Error ? error.message : String(error) });
    if (!res.headersSent) jsonRpcError(res, 500, 'internal error');
    else res.end();
  });
});

httpServer.listen(config.port, config.host, () => {
  const { port } = httpServer.address() as AddressInfo;
  // ECS: `url` is an object (url.path on request lines); a string here would make Elasticsearch
  // reject every later request line of the day's index.
  logger.info('listening', { port, 'url.full': `http://${config.host}:${port}/mcp` });
});

process.once('SIGTERM', () => {
  for (const transport of transports.values()) void transport.close().catch(() => {});
  httpServer.close();
  httpServer.closeAllConnections();
});
