// The OTLP/HTTP protobuf span exporter, loaded on the first export instead of at start: its module
// graph (transformer, protobuf serializer, HTTP transport) is the single largest piece of the
// preload's start-up cost, and a process that exits before its first batch never needs it.
import { createRequire } from 'node:module';
import type { ExportResult } from '@opentelemetry/core';
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

const requireFromHere = createRequire(import.meta.url);

export interface LazyOtlpTraceExporterOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly timeoutMillis: number;
}

export class LazyOtlpTraceExporter implements SpanExporter {
  readonly #options: LazyOtlpTraceExporterOptions;
  #inner: OTLPTraceExporter | undefined;

  constructor(options: LazyOtlpTraceExporterOptions) {
    this.#options = options;
  }

  #exporter(): OTLPTraceExporter {
    if (this.#inner === undefined) {
      const mod = requireFromHere('@opentelemetry/exporter-trace-otlp-proto') as {
        OTLPTraceExporter: typeof OTLPTraceExporter;
      };
      this.#inner = new mod.OTLPTraceExporter({ ...this.#options, headers: { ...this.#options.headers } });
    }
    return this.#inner;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#exporter().export(spans, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.#inner?.shutdown() ?? Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return this.#inner?.forceFlush() ?? Promise.resolve();
  }
}
