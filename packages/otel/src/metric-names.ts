// Metric names as they appear on /metrics. The JS Prometheus exporter adds no unit suffix
// (open-telemetry/opentelemetry-js#3466), while the Collector's Prometheus exporter and the Go SDK
// do. We rename the instruments we know with Views so that a scrape of the app and a scrape of the
// Collector (after OTLP push) yield the same names, e.g. `http_server_request_duration_seconds`.
// The exporter still appends `_total` to monotonic sums. The README lists the resulting names;
// dashboards and alert rules query exactly those.
import type { ViewOptions } from '@opentelemetry/sdk-metrics';
import { otelSdkMetrics } from './otel-sdk-cjs.ts';

/** OTel instrument name → the name we export (before the exporter's `_total`). */
export const METRIC_RENAMES: Readonly<Record<string, string>> = Object.freeze({
  'http.server.request.duration': 'http_server_request_duration_seconds',
  'http.client.request.duration': 'http_client_request_duration_seconds',
  // MCP semantic conventions (instrumented in mcp/): histograms in seconds.
  'mcp.server.operation.duration': 'mcp_server_operation_duration_seconds',
  'mcp.server.session.duration': 'mcp_server_session_duration_seconds',
  'nodejs.eventloop.delay.min': 'nodejs_eventloop_delay_min_seconds',
  'nodejs.eventloop.delay.max': 'nodejs_eventloop_delay_max_seconds',
  'nodejs.eventloop.delay.mean': 'nodejs_eventloop_delay_mean_seconds',
  'nodejs.eventloop.delay.stddev': 'nodejs_eventloop_delay_stddev_seconds',
  'nodejs.eventloop.delay.p50': 'nodejs_eventloop_delay_p50_seconds',
  'nodejs.eventloop.delay.p90': 'nodejs_eventloop_delay_p90_seconds',
  'nodejs.eventloop.delay.p99': 'nodejs_eventloop_delay_p99_seconds',
  'nodejs.eventloop.utilization': 'nodejs_eventloop_utilization_ratio',
  'nodejs.eventloop.time': 'nodejs_eventloop_time_seconds',
  'v8js.gc.duration': 'v8js_gc_duration_seconds',
  'v8js.memory.heap.used': 'v8js_memory_heap_used_bytes',
  'v8js.memory.heap.space.size': 'v8js_memory_heap_space_size_bytes',
  'v8js.memory.heap.space.available_size': 'v8js_memory_heap_space_available_size_bytes',
  'v8js.memory.heap.space.physical_size': 'v8js_memory_heap_space_physical_size_bytes',
  'v8js.resource.active': 'v8js_resource_active',
});

/** HTTP duration buckets in seconds (the stable semconv advice, 5 ms … 10 s). */
export const HTTP_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

export function metricViews(): ViewOptions[] {
  return Object.entries(METRIC_RENAMES).map(([instrumentName, name]) => {
    const view: ViewOptions = { instrumentName, name };
    if (instrumentName.startsWith('http.') && instrumentName.endsWith('.duration')) {
      view.aggregation = {
        type: otelSdkMetrics.AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
        options: { boundaries: [...HTTP_DURATION_BUCKETS_SECONDS] },
      };
    }
    return view;
  });
}
