// A minimal Prometheus text-format registry. The tailer needs a handful of counters, gauges and one
// histogram; a few dozen lines keep the hot path allocation-free and avoid a dependency.

type Labels = Readonly<Record<string, string>>;

// Hot paths pass the same frozen label object for every line (labelsFor), so its rendering is cached.
const renderedLabels = new WeakMap<Labels, string>();

/** One frozen, reusable label object per distinct set: what the per-line counters are given. */
const internedLabels = new Map<string, Labels>();
export function labelsFor(name: string, value: string): Labels {
  const id = `${name}\u0000${value}`;
  let labels = internedLabels.get(id);
  if (labels === undefined) {
    labels = Object.freeze({ [name]: value });
    // Inputs are few (they come from the config); past the bound, fresh objects still work, uncached.
    if (internedLabels.size < 1024) internedLabels.set(id, labels);
  }
  return labels;
}

function labelKey(labels: Labels): string {
  let key = renderedLabels.get(labels);
  if (key === undefined) {
    key = renderLabels(labels);
    if (Object.isFrozen(labels)) renderedLabels.set(labels, key);
  }
  return key;
}

function renderLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${names.map((n) => `${n}="${escapeValue(labels[n]!)}"`).join(',')}}`;
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #values = new Map<string, number>();
  constructor(name: string, help: string) {
    this.#name = name;
    this.#help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.#name} ${this.#help}\n# TYPE ${this.#name} counter\n`;
    for (const [key, value] of this.#values) out += `${this.#name}${key} ${value}\n`;
    return out;
  }
}

export class Gauge implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #values = new Map<string, number>();
  readonly #collect: ((set: (labels: Labels, value: number) => void) => void) | undefined;
  constructor(name: string, help: string, collect?: (set: (labels: Labels, value: number) => void) => void) {
    this.#name = name;
    this.#help = help;
    this.#collect = collect;
  }
  set(labels: Labels, value: number): void {
    this.#values.set(labelKey(labels), value);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    if (this.#collect) {
      this.#values.clear();
      this.#collect((labels, value) => this.set(labels, value));
    }
    let out = `# HELP ${this.#name} ${this.#help}\n# TYPE ${this.#name} gauge\n`;
    for (const [key, value] of this.#values) out += `${this.#name}${key} ${value}\n`;
    return out;
  }
}

export class Histogram implements Metric {
  readonly #name: string;
  readonly #help: string;
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, buckets: readonly number[]) {
    this.#name = name;
    this.#help = help;
    this.#buckets = buckets;
  }
  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, counts: this.#buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    for (let i = 0; i < this.#buckets.length; i++) if (value <= this.#buckets[i]!) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }
  render(): string {
    let out = `# HELP ${this.#name} ${this.#help}\n# TYPE ${this.#name} histogram\n`;
    for (const series of this.#series.values()) {
      this.#buckets.forEach((le, i) => {
        out += `${this.#name}_bucket${labelKey({ ...series.labels, le: String(le) })} ${series.counts[i]}\n`;
      });
      out += `${this.#name}_bucket${labelKey({ ...series.labels, le: '+Inf' })} ${series.count}\n`;
      out += `${this.#name}_sum${labelKey(series.labels)} ${series.sum}\n`;
      out += `${this.#name}_count${labelKey(series.labels)} ${series.count}\n`;
    }
    return out;
  }
}

export class Registry {
  readonly #metrics: Metric[] = [];
  register<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
  render(): string {
    return this.#metrics.map((m) => m.render()).join('');
  }
}

/** Every metric the tailer exposes; names are documented in the README. */
export class TailerMetrics {
  readonly registry = new Registry();
  readonly linesRead = this.registry.register(
    new Counter('tracetail_tailer_lines_read_total', 'Lines read from files, per input'),
  );
  readonly bytesRead = this.registry.register(
    new Counter('tracetail_tailer_bytes_read_total', 'Bytes read from files, per input'),
  );
  readonly linesFlagged = this.registry.register(
    new Counter(
      'tracetail_tailer_lines_flagged_total',
      'Lines shipped with a flag (truncated, invalid_utf8, not_json, read_time, partial)',
    ),
  );
  readonly emptyLines = this.registry.register(
    new Counter('tracetail_tailer_empty_lines_total', 'Empty lines skipped, per input'),
  );
  readonly linesShipped = this.registry.register(
    new Counter('tracetail_tailer_lines_shipped_total', 'Lines acknowledged by a sink'),
  );
  readonly bytesShipped = this.registry.register(
    new Counter('tracetail_tailer_bytes_shipped_total', 'Line bytes acknowledged by a sink'),
  );
  readonly linesFailed = this.registry.register(
    new Counter('tracetail_tailer_lines_failed_total', 'Lines a sink rejected, per sink and reason'),
  );
  readonly linesDeadLettered = this.registry.register(
    new Counter(
      'tracetail_tailer_lines_dead_lettered_total',
      'Lines written to the dead-letter file, per sink',
    ),
  );
  readonly duplicates = this.registry.register(
    new Counter(
      'tracetail_tailer_duplicates_total',
      'Lines a sink already had (Elasticsearch 409), counted as delivered',
    ),
  );
  readonly retries = this.registry.register(
    new Counter('tracetail_tailer_retries_total', 'Retried requests, per sink'),
  );
  readonly truncations = this.registry.register(
    new Counter(
      'tracetail_tailer_file_truncations_total',
      'Files found shorter than the read position (copytruncate)',
    ),
  );
  readonly truncatedUnreadBytes = this.registry.register(
    new Counter(
      'tracetail_tailer_truncated_unread_bytes_total',
      'Bytes known to be lost to a truncation before they were read',
    ),
  );
  readonly rotations = this.registry.register(
    new Counter('tracetail_tailer_file_rotations_total', 'Files renamed or deleted while tracked'),
  );
  readonly batchLatency = this.registry.register(
    new Histogram(
      'tracetail_tailer_batch_latency_seconds',
      'Time from a batch being sealed to its acknowledgement, per sink',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
  );
  readonly memory = this.registry.register(
    new Gauge(
      'tracetail_tailer_memory_bytes',
      'Process memory by kind (rss, heap_used, heap_total, external, array_buffers)',
      (set) => {
        const m = process.memoryUsage();
        set({ kind: 'rss' }, m.rss);
        set({ kind: 'heap_used' }, m.heapUsed);
        set({ kind: 'heap_total' }, m.heapTotal);
        set({ kind: 'external' }, m.external);
        set({ kind: 'array_buffers' }, m.arrayBuffers);
      },
    ),
  );
  readonly openFiles: Gauge;
  readonly lagBytes: Gauge;
  readonly lagSeconds: Gauge;
  readonly bufferedBytes: Gauge;
  constructor(collectors: {
    openFiles: () => number;
    bufferedBytes: () => number;
    lag: () => Iterable<{ path: string; bytes: number; seconds: number }>;
  }) {
    this.openFiles = this.registry.register(
      new Gauge('tracetail_tailer_open_files', 'Open file handles', (set) => set({}, collectors.openFiles())),
    );
    this.bufferedBytes = this.registry.register(
      new Gauge(
        'tracetail_tailer_buffered_bytes',
        'Bytes read but not yet acknowledged by every sink',
        (set) => set({}, collectors.bufferedBytes()),
      ),
    );
    this.lagBytes = this.registry.register(
      new Gauge('tracetail_tailer_lag_bytes', 'File size minus committed position, per file', (set) => {
        for (const f of collectors.lag()) set({ path: f.path }, f.bytes);
      }),
    );
    this.lagSeconds = this.registry.register(
      new Gauge(
        'tracetail_tailer_lag_seconds',
        'Seconds since the oldest unacknowledged line was read, per file',
        (set) => {
          for (const f of collectors.lag()) set({ path: f.path }, f.seconds);
        },
      ),
    );
  }
}
