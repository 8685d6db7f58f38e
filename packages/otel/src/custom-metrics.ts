// Service-specific metrics with Prometheus-style names, e.g. `mcp_executions_total`,
// `mcp_execution_duration_seconds`, `mcp_containers_running`. The name you pass is the name that
// appears on /metrics. Instruments come from the global MeterProvider, so they are no-ops when the
// preload is not loaded or OTEL_SDK_DISABLED=true, and work as soon as it is.
import type { Attributes } from '@opentelemetry/api';
import { TracetailError } from './errors.ts';
import { otelApi } from './otel-cjs.ts';

const { metrics } = otelApi;

const METER_NAME = 'tracetail.custom';
const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const LABEL_PATTERN = /^[a-z_][a-z0-9_]*$/;

/** Default buckets for `_seconds` histograms: 5 ms … 10 s. */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

export interface MetricOptions {
  description?: string;
  /** Label names allowed on this metric; values passed with other labels are rejected. */
  labels?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Bucket upper bounds. Default: DEFAULT_SECONDS_BUCKETS for `_seconds`, else the SDK default. */
  buckets?: readonly number[];
}

export type Labels = Readonly<Record<string, string | number | boolean>>;

export interface Counter {
  readonly name: string;
  inc(labels?: Labels, value?: number): void;
}

export interface Histogram {
  readonly name: string;
  observe(value: number, labels?: Labels): void;
  /** Starts a timer; call the returned function to record the elapsed seconds. */
  startTimer(labels?: Labels): (extraLabels?: Labels) => number;
}

export interface Gauge {
  readonly name: string;
  set(value: number, labels?: Labels): void;
}

export interface UpDownCounter {
  readonly name: string;
  add(value: number, labels?: Labels): void;
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new TracetailError(
      'TRACETAIL_ERR_INVALID_METRIC_NAME',
      `metric name "${name}" must be snake_case ([a-z][a-z0-9_]*), e.g. mcp_executions_total`,
    );
  }
}

function unitFromName(name: string): string | undefined {
  if (name.endsWith('_seconds')) return 's';
  if (name.endsWith('_bytes')) return 'By';
  if (name.endsWith('_ratio')) return '1';
  return undefined;
}

function labelChecker(
  metric: string,
  allowed: readonly string[] | undefined,
): (labels: Labels | undefined) => Attributes {
  for (const label of allowed ?? []) {
    if (!LABEL_PATTERN.test(label)) {
      throw new TracetailError(
        'TRACETAIL_ERR_INVALID_LABELS',
        `label "${label}" of ${metric} must be snake_case`,
      );
    }
  }
  if (allowed === undefined) return (labels) => (labels ?? {}) as Attributes;
  const set = new Set(allowed);
  return (labels) => {
    if (labels === undefined) return {};
    for (const key of Object.keys(labels)) {
      if (!set.has(key)) {
        throw new TracetailError(
          'TRACETAIL_ERR_INVALID_LABELS',
          `label "${key}" is not declared for ${metric}; declared: ${[...set].join(', ') || '(none)'}`,
        );
      }
    }
    return labels as Attributes;
  };
}

function meter() {
  return metrics.getMeter(METER_NAME);
}

/** A monotonic counter. The name must end with `_total` (the exporter writes it that way). */
export function counter(name: string, options: MetricOptions = {}): Counter {
  checkName(name);
  if (!name.endsWith('_total')) {
    throw new TracetailError('TRACETAIL_ERR_INVALID_METRIC_NAME', `counter "${name}" must end with _total`);
  }
  // The Prometheus exporter appends `_total` to monotonic sums; give it the stem.
  const instrument = meter().createCounter(name.slice(0, -'_total'.length), {
    description: options.description ?? name,
  });
  const check = labelChecker(name, options.labels);
  return Object.freeze({
    name,
    inc(labels?: Labels, value = 1) {
      instrument.add(value, check(labels));
    },
  });
}

export function histogram(name: string, options: HistogramOptions = {}): Histogram {
  checkName(name);
  const unit = unitFromName(name);
  const buckets = options.buckets ?? (unit === 's' ? DEFAULT_SECONDS_BUCKETS : undefined);
  const instrument = meter().createHistogram(name, {
    description: options.description ?? name,
    ...(unit === undefined ? {} : { unit }),
    ...(buckets === undefined ? {} : { advice: { explicitBucketBoundaries: [...buckets] } }),
  });
  const check = labelChecker(name, options.labels);
  return Object.freeze({
    name,
    observe(value: number, labels?: Labels) {
      instrument.record(value, check(labels));
    },
    startTimer(labels?: Labels) {
      const started = process.hrtime.bigint();
      return (extraLabels?: Labels) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        instrument.record(seconds, check({ ...labels, ...extraLabels }));
        return seconds;
      };
    },
  });
}

/** A value that is set, e.g. `mcp_containers_running`. */
export function gauge(name: string, options: MetricOptions = {}): Gauge {
  checkName(name);
  const unit = unitFromName(name);
  const instrument = meter().createGauge(name, {
    description: options.description ?? name,
    ...(unit === undefined ? {} : { unit }),
  });
  const check = labelChecker(name, options.labels);
  return Object.freeze({
    name,
    set(value: number, labels?: Labels) {
      instrument.record(value, check(labels));
    },
  });
}

/** A value that goes up and down by deltas, e.g. `mcp_executions_running`. */
export function upDownCounter(name: string, options: MetricOptions = {}): UpDownCounter {
  checkName(name);
  const instrument = meter().createUpDownCounter(name, { description: options.description ?? name });
  const check = labelChecker(name, options.labels);
  return Object.freeze({
    name,
    add(value: number, labels?: Labels) {
      instrument.add(value, check(labels));
    },
  });
}
