// The HTTP server on the metrics port: `/metrics` (Prometheus text), `/health/live`,
// `/health/ready`. Bound to 127.0.0.1 by default (the upstream exporter binds every interface,
// open-telemetry/opentelemetry-js#6594). Unref'd so it never keeps the process alive, and its
// requests are excluded from HTTP instrumentation (no spans, no duration samples for scrapes).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { readiness } from './health.ts';
import { internalLog } from './internal-log.ts';

const ownSockets = new WeakSet<Socket>();

/** True for requests served by our own metrics/health server (used by the HTTP ignore hook). */
export function isOwnServerRequest(request: IncomingMessage): boolean {
  return ownSockets.has(request.socket);
}

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly exporter: PrometheusExporter | undefined;
}

export interface MetricsServer {
  readonly server: Server;
  /** Resolves with the bound address, or undefined when listening failed (already reported). */
  readonly listening: Promise<{ host: string; port: number } | undefined>;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(text);
}

function handle(
  request: IncomingMessage,
  response: ServerResponse,
  exporter: PrometheusExporter | undefined,
): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/metrics' && exporter !== undefined) {
    exporter.getMetricsRequestHandler(request, response);
    return;
  }
  if (path === '/health/live') {
    sendJson(response, 200, { status: 'ok' });
    return;
  }
  if (path === '/health/ready') {
    readiness().then(
      (report) =>
        sendJson(response, report.ready ? 200 : 503, {
          status: report.ready ? 'ok' : 'unavailable',
          ...report,
        }),
      () => sendJson(response, 503, { status: 'unavailable' }),
    );
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

export function startMetricsServer(options: MetricsServerOptions): MetricsServer {
  const server = createServer((request, response) => {
    try {
      handle(request, response, options.exporter);
    } catch (error) {
      internalLog.once('error', 'metrics-server-handler', `metrics server request failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    }
  });
  server.on('connection', (socket: Socket) => {
    ownSockets.add(socket);
    socket.unref();
  });
  const listening = new Promise<{ host: string; port: number } | undefined>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // A port clash must never take the app down (open-telemetry/opentelemetry-js#3218).
      internalLog.once(
        'error',
        'metrics-server-listen',
        `metrics/health server could not listen on ${options.host}:${options.port}: ${error.code ?? error.message}; ` +
          'set OTEL_EXPORTER_PROMETHEUS_PORT to a free port',
      );
      resolve(undefined);
    });
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      internalLog.info(
        `metrics on http://${options.host}:${port}/metrics, health on /health/live and /health/ready`,
      );
      resolve({ host: options.host, port });
    });
  });
  server.unref();
  return {
    server,
    listening,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
