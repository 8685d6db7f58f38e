// The SDK packages through their CommonJS builds (see otel-cjs.ts). Separate from otel-cjs.ts so
// the library entry (logger, metric helpers) never loads the SDK.
import { createRequire } from 'node:module';

const requireCjs = createRequire(import.meta.url);

export const otelContextAsyncHooks: typeof import('@opentelemetry/context-async-hooks') = requireCjs(
  '@opentelemetry/context-async-hooks',
);
export const otelCore: typeof import('@opentelemetry/core') = requireCjs('@opentelemetry/core');
export const otelExporterPrometheus: typeof import('@opentelemetry/exporter-prometheus') = requireCjs(
  '@opentelemetry/exporter-prometheus',
);
export const otelResources: typeof import('@opentelemetry/resources') =
  requireCjs('@opentelemetry/resources');
export const otelSdkMetrics: typeof import('@opentelemetry/sdk-metrics') = requireCjs(
  '@opentelemetry/sdk-metrics',
);
export const otelSdkTrace: typeof import('@opentelemetry/sdk-trace') = requireCjs('@opentelemetry/sdk-trace');
