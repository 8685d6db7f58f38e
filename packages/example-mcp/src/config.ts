import { resolve } from 'node:path';

/** Example server settings from the environment; invalid values stop it with a named error. */
export interface ExampleServerConfig {
  /** `PORT` (default 3000; 0 picks a free port, printed in the `listening` log line). */
  readonly port: number;
  /** `HOST` (default 127.0.0.1: loopback only unless asked). */
  readonly host: string;
  /** `EXAMPLE_SCRATCH_DIR` (default `./.tracetail/scratch`). */
  readonly scratchDir: string;
  /** `EXAMPLE_DIFFUSION_FAILURE_RATE` in [0, 1] (default 0.1). */
  readonly diffusionFailureRate: number;
}

export class ExampleConfigError extends Error {
  readonly code = 'EXAMPLE_ERR_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ExampleConfigError';
  }
}

function numberFrom(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ExampleConfigError(`${name}=${JSON.stringify(raw)}: expected a number in [${min}, ${max}]`);
  }
  return value;
}

export function readExampleConfig(env: NodeJS.ProcessEnv = process.env): ExampleServerConfig {
  const port = numberFrom(env, 'PORT', 3000, 0, 65535);
  if (!Number.isInteger(port))
    throw new ExampleConfigError(`PORT=${JSON.stringify(env.PORT)}: expected an integer`);
  return Object.freeze({
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    scratchDir: resolve(env.EXAMPLE_SCRATCH_DIR?.trim() || './.tracetail/scratch'),
    diffusionFailureRate: numberFrom(env, 'EXAMPLE_DIFFUSION_FAILURE_RATE', 0.1, 0, 1),
  });
}
