// `http.route` for fastify apps. fastify's official instrumentation (@fastify/otel) is built on the
// OpenTelemetry JS 2.x line and would load a second API copy next to our 3.x SDK, so instead this
// listens to the diagnostics_channel event fastify (≥ 5) publishes before each route handler runs:
// its message carries the matched route. Writing it into the RPC metadata of the active context is
// what the express and koa instrumentations do too; instrumentation-http then puts it on the
// server span (`http.route`, span name `GET /users/:id`) and on `http.server.request.duration`.
// No patching, nothing loaded from fastify, one property write per request.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { otelApi } from './otel-cjs.ts';
import { otelCore } from './otel-sdk-cjs.ts';

/** Published by fastify's `tracingChannel('fastify.request.handler')` as the handler starts. */
export const FASTIFY_HANDLER_START = 'tracing:fastify.request.handler:start';

interface HandlerStartMessage {
  /** Since fastify 5.3 or so; 5.0–5.2 only pass the request, whose routeOptions has the url. */
  readonly route?: { readonly url?: unknown };
  readonly request?: { readonly routeOptions?: { readonly url?: unknown } };
}

function onHandlerStart(message: unknown): void {
  const start = message as HandlerStartMessage | undefined;
  const route = start?.route?.url ?? start?.request?.routeOptions?.url;
  if (typeof route !== 'string' || route === '') return;
  const metadata = otelCore.getRPCMetadata(otelApi.context.active());
  if (metadata?.type === otelCore.RPCType.HTTP) metadata.route = route;
}

export class FastifyRouteInstrumentation implements Instrumentation {
  readonly instrumentationName = 'tracetail-fastify-route';
  readonly instrumentationVersion = '1';
  #config: InstrumentationConfig = { enabled: true };
  #subscribed = false;

  constructor() {
    this.enable();
  }

  enable(): void {
    if (this.#subscribed) return;
    subscribe(FASTIFY_HANDLER_START, onHandlerStart);
    this.#subscribed = true;
  }

  disable(): void {
    if (!this.#subscribed) return;
    unsubscribe(FASTIFY_HANDLER_START, onHandlerStart);
    this.#subscribed = false;
  }

  // It makes no spans or metrics of its own: the route lands on instrumentation-http's.
  setTracerProvider(_tracerProvider: TracerProvider): void {}
  setMeterProvider(_meterProvider: MeterProvider): void {}

  setConfig(config: InstrumentationConfig): void {
    this.#config = { ...config };
  }

  getConfig(): InstrumentationConfig {
    return this.#config;
  }
}
