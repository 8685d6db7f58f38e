// The validated, defaulted and frozen shape of tailer.yaml (see schema.ts for defaults).

export type StreamKind = 'app' | 'audit';

export interface TlsConfig {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

export interface BatchConfig {
  readonly maxBytes: number;
  readonly maxWaitMs: number;
}

export interface RetryConfig {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly maxElapsedMs: number;
}

export interface InputConfig {
  readonly name: string;
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly stream: StreamKind;
  readonly service?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface LokiConfig {
  readonly url: string;
  readonly tenant?: string;
  readonly encoding: 'protobuf' | 'json';
  readonly auth?: { readonly username?: string; readonly password?: string; readonly bearerToken?: string };
  readonly tls?: TlsConfig;
  readonly labels: Readonly<Record<string, string>>;
  readonly structuredMetadataKeys: readonly string[];
  readonly timeoutMs: number;
  readonly batch: BatchConfig;
  readonly retry: RetryConfig;
}

export interface ElasticsearchConfig {
  readonly url: string;
  readonly auth?: { readonly apiKey?: string; readonly username?: string; readonly password?: string };
  readonly tls?: TlsConfig;
  readonly indexPrefix: { readonly app: string; readonly audit: string };
  readonly installTemplate: boolean;
  readonly timeoutMs: number;
  readonly batch: BatchConfig;
  readonly retry: RetryConfig;
}

export interface TailerConfig {
  readonly inputs: readonly InputConfig[];
  readonly sinks: { readonly loki?: LokiConfig; readonly elasticsearch?: ElasticsearchConfig };
  readonly reader: {
    readonly maxLineBytes: number;
    readonly chunkBytes: number;
    readonly partialLineFlushMs: number;
    readonly fingerprintBytes: number;
    readonly maxOpenFiles: number;
    readonly closeInactiveMs: number;
    readonly rotatedGraceMs: number;
  };
  readonly discovery: { readonly sweepIntervalMs: number; readonly watch: boolean };
  readonly pipeline: { readonly maxBufferedBytes: number };
  readonly checkpoint: { readonly path: string; readonly intervalMs: number };
  readonly deadLetter: { readonly path?: string; readonly maxBytes: number };
  readonly server: { readonly enabled: boolean; readonly host: string; readonly port: number };
  readonly shutdown: { readonly deadlineMs: number };
  readonly log: { readonly level: 'debug' | 'info' | 'warn' | 'error' };
}
