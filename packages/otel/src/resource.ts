// The resource describing this process. Detectors are limited to env, host, os, process and
// service instance: the cloud detectors call metadata services at start-up (contrib#708). The
// command line, arguments and executable path are dropped: `target_info` on /metrics carries every
// resource attribute and would publish them (contrib#1618).
import { arch, hostname } from 'node:os';
import type { DetectedResource, Resource, ResourceDetector } from '@opentelemetry/resources';
import type { TracetailConfig } from './config.ts';
import { otelResources } from './otel-sdk-cjs.ts';

const { detectResources, osDetector, processDetector, resourceFromAttributes, serviceInstanceIdDetector } =
  otelResources;

export const DROPPED_PROCESS_ATTRIBUTES: readonly string[] = Object.freeze([
  'process.command',
  'process.command_args',
  'process.command_line',
  'process.executable.path',
]);

// host.name and host.arch only: the stock host detector also reads host.id asynchronously, and a
// scrape that comes before it settles logs an SDK error.
const hostDetectorWithoutId: ResourceDetector = {
  detect(): DetectedResource {
    return { attributes: { 'host.name': hostname(), 'host.arch': arch() === 'x64' ? 'amd64' : arch() } };
  },
};

const processDetectorWithoutCommandLine: ResourceDetector = {
  detect(config): DetectedResource {
    const detected = processDetector.detect(config);
    const attributes = { ...detected.attributes };
    for (const key of DROPPED_PROCESS_ATTRIBUTES) delete attributes[key];
    return { ...detected, attributes };
  },
};

export function buildResource(config: TracetailConfig): Resource {
  const detected = detectResources({
    detectors: [
      hostDetectorWithoutId,
      osDetector,
      processDetectorWithoutCommandLine,
      serviceInstanceIdDetector,
    ],
  });
  // Explicit configuration wins over detection; service.name last so OTEL_SERVICE_NAME wins over
  // a service.name inside OTEL_RESOURCE_ATTRIBUTES, as the spec says.
  return detected.merge(
    resourceFromAttributes({
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.distro.name': 'tracetail',
      ...config.resourceAttributes,
      'service.name': config.serviceName,
    }),
  );
}
