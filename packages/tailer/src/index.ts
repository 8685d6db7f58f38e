export { loadConfig, nearestKey, parseConfig } from './config/load.ts';
export { configSchema } from './config/schema.ts';
export type { InputConfig, TailerConfig } from './config/types.ts';
export {
  ConfigError,
  ConfigErrors,
  SinkRejectedError,
  SinkRetryableError,
  SinkTooLargeError,
  TailerError,
} from './errors.ts';
export { createLogger, type Logger } from './observe/logger.ts';
export { type LogRecord, parseLine } from './parse/record.ts';
export { Tailer, type TailerOptions } from './pipeline/tailer.ts';
export { ElasticsearchSink, indexTemplate, toDocument } from './sinks/elasticsearch.ts';
export { LokiSink } from './sinks/loki.ts';
export { encodePushRequest } from './sinks/loki-proto.ts';
export type { SendResult, Sink } from './sinks/sink.ts';
