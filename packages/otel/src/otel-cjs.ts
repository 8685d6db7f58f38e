// The OpenTelemetry packages, loaded through their CommonJS builds. The instrumentations are
// CommonJS and load these builds anyway; importing the ESM builds here as well would load
// @opentelemetry/api, core, … twice at every start (measured: tens of ms).
import { createRequire } from 'node:module';

const requireCjs = createRequire(import.meta.url);

export const otelApi: typeof import('@opentelemetry/api') = requireCjs('@opentelemetry/api');
