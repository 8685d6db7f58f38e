// The one place where the SDK is assembled: context, propagation, tracing, metrics, the
// metrics/health server and the instrumentations. Other modules extend it through extensions.ts
// (extra instrumentations, HTTP request hooks, log enrichers, readiness checks, shutdown tasks)
// instead of editing this file.

import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Span } from '@opentelemetry/api';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { MeterProvider, MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Sampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { patchBuiltinsForEsm } from './builtin-esm-sync.ts';
import type { TracetailConfig } from './config.ts';
import { CorrelationBaggagePropagator } from './correlation/baggage-propagator.ts';
import { extensions, type InstrumentationDescriptor } from './extensions.ts';
import { loadOnFirstUse } from './first-use.ts';
import { sdkState, setSdkState } from './health.ts';
import { allDescriptors, type InstrumentationChoice, selectInstrumentations } from './instrumentations.ts';
import { internalLog, kindOf, otelDiagLogger, toDiagLogLevel } from './internal-log.ts';
import { LazyOtlpTraceExporter } from './lazy-trace-exporter.ts';
import { applyEnrichers, SERVICE_NAME_FIELD } from './log-record.ts';
import { metricViews } from './metric-names.ts';
import { otelApi } from './otel-cjs.ts';
import {
  otelContextAsyncHooks,
  otelCore,
  otelExporterPrometheus,
  otelSdkMetrics,
  otelSdkTrace,
} from './otel-sdk-cjs.ts';
import { registerProcessMetrics } from './process-metrics.ts';
import { createRedactor, type Redactor } from './redact.ts';
import { RedactingSpanProcessor } from './redacting-span-processor.ts';
import { buildResource } from './resource.ts';
import { isOwnServerRequest, type MetricsServer, startMetricsServer } from './server.ts';

const requireFromHere = createRequire(import.meta.url);
const { context, diag, metrics, propagation, trace } = otelApi;
const { AsyncLocalStorageContextManager } = otelContextAsyncHooks;
const { CompositePropagator, setGlobalErrorHandler, W3CBaggagePropagator, W3CTraceContextPropagator } =
  otelCore;
const { MeterProvider: SdkMeterProvider, PeriodicExportingMetricReader: SdkPeriodicReader } = otelSdkMetrics;
const {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider: SdkTracerProvider,
} = otelSdkTrace;

export interface RunningSdk {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly metricsServer: MetricsServer | undefined;
  readonly instrumentations: readonly InstrumentationChoice[];
  /** Modules the ESM loader hook should intercept for the loaded instrumentations. */
  readonly hookedModules: readonly string[];
  shutdown(): Promise<void>;
}

function createSampler(config: TracetailConfig): Sampler {
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.samplerRatio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerRatio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function runHooks<A extends unknown[]>(
  kind: string,
  hooks: readonly ((...args: A) => void)[],
  ...args: A
): void {
  for (const hook of hooks) {
    try {
      hook(...args);
    } catch (error) {
      internalLog.once(
        'warn',
        `hook:${kind}:${hook.name}`,
        `${kind} hook ${hook.name || '(anonymous)'} threw: ${String(error)}`,
      );
    }
  }
}

function httpInstrumentationConfig(redactor: Redactor): Record<string, unknown> {
  return {
    ignoreIncomingRequestHook: (request: IncomingMessage): boolean => {
      if (isOwnServerRequest(request)) return true;
      return extensions.httpIgnoreIncomingHooks.some((hook) => {
        try {
          return hook(request);
        } catch {
          return false;
        }
      });
    },
    requestHook: (span: Span, request: unknown): void => {
      if (request instanceof IncomingMessage) {
        runHooks('http request', extensions.httpServerRequestHooks, span, request);
      }
    },
    responseHook: (span: Span, response: unknown): void => {
      if (response instanceof ServerResponse) {
        runHooks('http response', extensions.httpServerResponseHooks, span, response);
      }
    },
    // Query parameters whose values are replaced by REDACTED in url.full / url.query.
    redactedQueryParams: [...redactor.keys],
    redactedQueryParamsServer: [...redactor.keys],
  };
}

function createMetricReaders(config: TracetailConfig): {
  readers: MetricReader[];
  prometheus?: PrometheusExporter;
} {
  const readers: MetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  if (config.metricsExporters.includes('prometheus')) {
    prometheus = new otelExporterPrometheus.PrometheusExporter({
      preventServerStart: true,
      // Scope labels (otel_scope_name, …) on every series multiply cardinality for no dashboard use.
      withoutScopeInfo: true,
    });
    readers.push(prometheus);
  }
  if (config.metricsExporters.includes('otlp')) {
    // Loaded only when asked for: most deployments scrape.
    const { OTLPMetricExporter } = requireFromHere('@opentelemetry/exporter-metrics-otlp-proto') as {
      OTLPMetricExporter: new (
        config: Record<string, unknown>,
      ) => ConstructorParameters<typeof PeriodicExportingMetricReader>[0]['exporter'];
    };
    readers.push(
      new SdkPeriodicReader({
        exporter: new OTLPMetricExporter({
          url: config.metricsEndpoint,
          headers: { ...config.metricsHeaders },
        }),
        exportIntervalMillis: config.metricExportIntervalMs,
        exportTimeoutMillis: Math.min(config.metricExportIntervalMs, 10_000),
      }),
    );
  }
  return prometheus === undefined ? { readers } : { readers, prometheus };
}

function enableInstrumentation(descriptor: InstrumentationDescriptor): Instrumentation[] {
  try {
    const created = descriptor.create();
    return Array.isArray(created) ? [...created] : [created as Instrumentation];
  } catch (error) {
    internalLog.once(
      'warn',
      `instrumentation:${descriptor.name}`,
      `instrumentation "${descriptor.name}" could not be loaded and stays off: ${String(error)}`,
    );
    return [];
  }
}

export function startSdk(config: TracetailConfig): RunningSdk {
  const started = process.hrtime.bigint();
  diag.setLogger(otelDiagLogger, {
    logLevel: toDiagLogLevel(config.logLevel),
    suppressOverrideMessage: true,
  });
  // Export failures reach the global error handler once per batch; report each kind once.
  setGlobalErrorHandler((error) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    internalLog.once('warn', `export:${kindOf(text)}`, `telemetry export failed: ${text}`);
  });

  const redactor = createRedactor({ keys: config.redactKeys });
  const resource = buildResource(config);

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      // Last, so it adds the correlation id to the baggage the W3C propagator extracted.
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        new CorrelationBaggagePropagator(),
      ],
    }),
  );

  const { readers, prometheus } = createMetricReaders(config);
  const meterProvider = new SdkMeterProvider({ resource, readers, views: metricViews() });
  metrics.setGlobalMeterProvider(meterProvider);
  registerProcessMetrics(meterProvider.getMeter('tracetail.process'));

  const spanProcessors = [new RedactingSpanProcessor(redactor)];
  const tracesExporter =
    config.tracesExporter === 'otlp'
      ? new LazyOtlpTraceExporter({
          url: config.tracesEndpoint,
          headers: { ...config.tracesHeaders },
          timeoutMillis: config.spanExportTimeoutMs,
        })
      : undefined;
  const tracerProvider = new SdkTracerProvider({
    resource,
    sampler: createSampler(config),
    spanProcessors:
      tracesExporter === undefined
        ? spanProcessors
        : [
            ...spanProcessors,
            // Bounded: spans beyond maxQueueSize are dropped (and counted by the SDK), never buffered.
            new BatchSpanProcessor({
              exporter: tracesExporter,
              maxQueueSize: config.spanQueueSize,
              maxExportBatchSize: config.spanBatchSize,
              scheduledDelayMillis: config.spanScheduleDelayMs,
              exportTimeoutMillis: config.spanExportTimeoutMs,
              // Queue size, capacity and spans dropped because the queue was full, on /metrics.
              selfObsMeterProvider: meterProvider,
            }),
          ],
  });
  trace.setGlobalTracerProvider(tracerProvider);

  const metricsServer = startMetricsServer({
    host: config.metricsHost,
    port: config.metricsPort,
    exporter: prometheus,
  });

  const logHook = (_span: unknown, record: Record<string, unknown>): void => {
    if (record[SERVICE_NAME_FIELD] === undefined) record[SERVICE_NAME_FIELD] = config.serviceName;
    applyEnrichers(record);
  };
  const descriptors = allDescriptors({
    http: httpInstrumentationConfig(redactor),
    logHook,
    redactedQueryParams: redactor.keys,
  });
  const known = new Set(descriptors.map((d) => d.name));
  for (const [variable, names] of [
    ['OTEL_NODE_ENABLED_INSTRUMENTATIONS', config.enabledInstrumentations ?? []],
    ['OTEL_NODE_DISABLED_INSTRUMENTATIONS', config.disabledInstrumentations],
  ] as const) {
    const unknown = names.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      internalLog.warn(
        `${variable} names unknown instrumentation(s) ${unknown.join(', ')}; accepted: ${[...known].join(', ')}. Ignoring them.`,
      );
    }
  }
  const choices = selectInstrumentations(config, descriptors);
  const instrumentations: Instrumentation[] = [];
  const hookedModules = new Set<string>();
  const load = (descriptor: InstrumentationDescriptor): void => {
    const before = process.hrtime.bigint();
    for (const instrumentation of enableInstrumentation(descriptor)) {
      instrumentation.setTracerProvider(tracerProvider);
      instrumentation.setMeterProvider(meterProvider);
      instrumentations.push(instrumentation);
    }
    if (descriptor.builtins !== undefined && descriptor.builtins.length > 0) {
      patchBuiltinsForEsm(descriptor.builtins);
    }
    internalLog.debug(
      `instrumentation ${descriptor.name} loaded in ${(Number(process.hrtime.bigint() - before) / 1e6).toFixed(1)} ms`,
    );
  };
  const deferred: InstrumentationDescriptor[] = [];
  const onFirstUse: InstrumentationDescriptor[] = [];
  for (const choice of choices) {
    if (!choice.load) continue;
    for (const mod of choice.descriptor.modules) hookedModules.add(mod);
    if (choice.descriptor.afterStart === true) deferred.push(choice.descriptor);
    else if (choice.descriptor.modules.length > 0) onFirstUse.push(choice.descriptor);
    else load(choice.descriptor);
  }
  // Library instrumentations wait until the app first requires/imports their library.
  if (onFirstUse.length > 0 && !loadOnFirstUse(onFirstUse, load)) {
    for (const descriptor of onFirstUse) load(descriptor);
  }
  if (deferred.length > 0) {
    // Unref'd: a process that is done before the next tick never loads them at all.
    setTimeout(() => {
      // Not once shutdown has begun (a short-lived process may get here during its exit flush).
      if (sdkState() !== 'running') return;
      for (const descriptor of deferred) load(descriptor);
    }, 0).unref();
  }
  extensions.onInstrumentationAdded = load;

  const skipped = choices.filter((c) => !c.load).map((c) => `${c.descriptor.name} (${c.reason})`);
  internalLog.debug(
    `started in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms; instrumentations: ` +
      `${choices
        .filter((c) => c.load)
        .map((c) => c.descriptor.name)
        .join(', ')}; skipped: ${skipped.join(', ')}`,
  );
  setSdkState('running');

  return {
    tracerProvider,
    meterProvider,
    metricsServer,
    instrumentations: choices,
    hookedModules: [...hookedModules],
    async shutdown() {
      for (const instrumentation of instrumentations) {
        try {
          instrumentation.disable();
        } catch {
          // an instrumentation that cannot unpatch is left patched; its spans go nowhere now
        }
      }
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), metricsServer.close()]);
    },
  };
}
