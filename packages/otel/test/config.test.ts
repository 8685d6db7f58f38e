// Unit tests of the configuration schema (in-process: pure parsing of our own).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../src/config.ts';

describe('parseConfig', () => {
  it('uses safe defaults', () => {
    const { config, warnings } = parseConfig({});
    assert.deepEqual(warnings, []);
    assert.equal(config.tracesEndpoint, 'http://localhost:4318/v1/traces');
    assert.equal(config.metricsHost, '127.0.0.1');
    assert.equal(config.metricsPort, 9464);
    assert.equal(config.sampler, 'parentbased_always_on');
    assert.deepEqual(config.metricsExporters, ['prometheus']);
    assert.equal(config.shutdownTimeoutMs, 5000);
    assert.ok(Object.isFrozen(config));
  });

  it('derives signal endpoints from the base endpoint and lets the specific one win', () => {
    const { config } = parseConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://other:4318/custom',
    });
    assert.equal(config.tracesEndpoint, 'http://collector:4318/v1/traces');
    assert.equal(config.metricsEndpoint, 'http://other:4318/custom');
  });

  it('parses resource attributes, headers and service name precedence', () => {
    const { config } = parseConfig({
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod%20eu',
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc',
    });
    assert.equal(config.serviceName, 'from-env');
    assert.equal(config.resourceAttributes['deployment.environment'], 'prod eu');
    assert.equal(config.tracesHeaders.authorization, 'Bearer abc');
  });

  it('warns once per bad value, naming the variable, the accepted values and the fallback', () => {
    const { config, warnings } = parseConfig({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '2',
      OTEL_METRICS_EXPORTER: 'prometheus,statsd',
      OTEL_SDK_DISABLED: 'maybe',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://nope',
      TRACETAIL_LOG_FILE_MAX_SIZE: 'huge',
    });
    assert.equal(warnings.length, 5, warnings.join('\n'));
    assert.match(
      warnings[0]!,
      /^OTEL_EXPORTER_OTLP_ENDPOINT=<value hidden> is not valid; accepted: an absolute http/,
    );
    assert.ok(
      warnings.some((w) =>
        w.startsWith('OTEL_TRACES_SAMPLER_ARG="2" is not valid; accepted: a number from 0 to 1. Using 1.'),
      ),
    );
    assert.ok(warnings.some((w) => w.startsWith('OTEL_METRICS_EXPORTER="prometheus,statsd" is not valid')));
    assert.ok(
      warnings.some((w) =>
        w.startsWith('OTEL_SDK_DISABLED="maybe" is not valid; accepted: true, false. Using false.'),
      ),
    );
    assert.ok(warnings.some((w) => w.startsWith('TRACETAIL_LOG_FILE_MAX_SIZE="huge"')));
    assert.equal(config.samplerRatio, 1);
    assert.deepEqual(config.metricsExporters, ['prometheus']);
    assert.equal(config.sdkDisabled, false);
  });

  it('accepts metric exporter lists and none', () => {
    assert.deepEqual(parseConfig({ OTEL_METRICS_EXPORTER: 'otlp, prometheus' }).config.metricsExporters, [
      'otlp',
      'prometheus',
    ]);
    assert.deepEqual(parseConfig({ OTEL_METRICS_EXPORTER: 'none' }).config.metricsExporters, []);
  });

  it('clamps the batch size to the queue size', () => {
    const { config } = parseConfig({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' });
    assert.equal(config.spanBatchSize, 100);
  });
});
