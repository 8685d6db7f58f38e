// Which instrumentations the preload loads. Each one is a descriptor (extensions.ts) whose package
// is required only when the app can resolve the library it patches: a hello-world pays for http
// and undici only, an express + pg app for those four. This is what keeps start-up cheap
// (upstream imports ~40 instrumentation packages eagerly: open-telemetry/opentelemetry-js#3029).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { TracetailConfig } from './config.ts';
import type { InstrumentationDescriptor } from './extensions.ts';
import { extensions } from './extensions.ts';
import type * as FastifyRoute from './fastify-route.ts';

const requireFromHere = createRequire(import.meta.url);

/** Options the SDK assembly passes to the instrumentations that need them. */
export interface BuiltinInstrumentationOptions {
  readonly http: Record<string, unknown>;
  readonly logHook: (span: unknown, record: Record<string, unknown>) => void;
  readonly redactedQueryParams: readonly string[];
}

function load<T>(specifier: string, exportName: string): new (config?: Record<string, unknown>) => T {
  const mod = requireFromHere(specifier) as Record<string, unknown>;
  return mod[exportName] as new (
    config?: Record<string, unknown>,
  ) => T;
}

export function builtinInstrumentations(options: BuiltinInstrumentationOptions): InstrumentationDescriptor[] {
  const make =
    (specifier: string, exportName: string, config: Record<string, unknown> = {}) =>
    () =>
      new (load<Instrumentation>(specifier, exportName))(config);
  const logCorrelation = { disableLogSending: true, logHook: options.logHook };
  return [
    {
      name: 'http',
      modules: [],
      builtins: ['http', 'https'],
      create: make('@opentelemetry/instrumentation-http', 'HttpInstrumentation', options.http),
    },
    {
      // fetch() is built in and reports through diagnostics_channel, so this is always useful.
      name: 'undici',
      modules: [],
      create: make('@opentelemetry/instrumentation-undici', 'UndiciInstrumentation'),
    },
    {
      name: 'express',
      modules: ['express'],
      create: make('@opentelemetry/instrumentation-express', 'ExpressInstrumentation'),
    },
    {
      // Route only (fastify-route.ts): fastify's own instrumentation needs a second OTel API copy.
      name: 'fastify',
      modules: ['fastify'],
      create: () =>
        new (requireFromHere('./fastify-route.js') as typeof FastifyRoute).FastifyRouteInstrumentation(),
    },
    {
      name: 'koa',
      modules: ['koa'],
      create: make('@opentelemetry/instrumentation-koa', 'KoaInstrumentation'),
    },
    { name: 'pg', modules: ['pg'], create: make('@opentelemetry/instrumentation-pg', 'PgInstrumentation') },
    {
      name: 'mysql2',
      modules: ['mysql2'],
      create: make('@opentelemetry/instrumentation-mysql2', 'MySQL2Instrumentation'),
    },
    {
      name: 'redis',
      modules: ['redis', '@redis/client'],
      create: make('@opentelemetry/instrumentation-redis', 'RedisInstrumentation'),
    },
    {
      name: 'ioredis',
      modules: ['ioredis'],
      create: make('@opentelemetry/instrumentation-ioredis', 'IORedisInstrumentation'),
    },
    {
      name: 'mongodb',
      modules: ['mongodb'],
      create: make('@opentelemetry/instrumentation-mongodb', 'MongoDBInstrumentation'),
    },
    {
      name: 'winston',
      modules: ['winston'],
      create: make('@opentelemetry/instrumentation-winston', 'WinstonInstrumentation', logCorrelation),
    },
    {
      name: 'pino',
      modules: ['pino'],
      create: make('@opentelemetry/instrumentation-pino', 'PinoInstrumentation', logCorrelation),
    },
    {
      name: 'runtime-node',
      modules: [],
      afterStart: true,
      create: make('@opentelemetry/instrumentation-runtime-node', 'RuntimeNodeInstrumentation'),
    },
    // Off by default: noisy and costly (open-telemetry/opentelemetry-js-contrib#1344, #2453).
    {
      name: 'fs',
      modules: [],
      builtins: ['fs', 'fs/promises'],
      offByDefault: true,
      create: make('@opentelemetry/instrumentation-fs', 'FsInstrumentation', { requireParentSpan: true }),
    },
    {
      name: 'dns',
      modules: [],
      builtins: ['dns', 'dns/promises'],
      offByDefault: true,
      create: make('@opentelemetry/instrumentation-dns', 'DnsInstrumentation'),
    },
    {
      name: 'net',
      modules: [],
      builtins: ['net'],
      offByDefault: true,
      create: make('@opentelemetry/instrumentation-net', 'NetInstrumentation'),
    },
  ];
}

/** Directories from which the app resolves its packages: the main script's and the cwd. */
export function appDirectories(): string[] {
  const dirs = new Set<string>();
  const main = process.argv[1];
  if (main !== undefined && main !== '') dirs.add(dirname(resolve(main)));
  dirs.add(process.cwd());
  return [...dirs];
}

/**
 * Whether `pkg` is installed where Node's resolution from `fromDirs` would find it. Checks the
 * `node_modules/<pkg>` folders up the tree (a few stat calls) instead of resolving through
 * `exports`, which may hide package.json.
 */
export function isInstalled(pkg: string, fromDirs: readonly string[]): boolean {
  for (const start of fromDirs) {
    let dir = start;
    for (;;) {
      if (existsSync(join(dir, 'node_modules', pkg, 'package.json'))) return true;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return false;
}

export type SelectionReason = 'enabled' | 'disabled-by-env' | 'off-by-default' | 'not-installed';

export interface InstrumentationChoice {
  readonly descriptor: InstrumentationDescriptor;
  readonly load: boolean;
  readonly reason: SelectionReason;
}

export function selectInstrumentations(
  config: TracetailConfig,
  descriptors: readonly InstrumentationDescriptor[],
  fromDirs: readonly string[] = appDirectories(),
): InstrumentationChoice[] {
  return descriptors.map((descriptor) => {
    const { name } = descriptor;
    const explicitlyEnabled = config.enabledInstrumentations?.includes(name) ?? false;
    if (config.disabledInstrumentations.includes(name)) {
      return { descriptor, load: false, reason: 'disabled-by-env' };
    }
    if (config.enabledInstrumentations !== undefined && !explicitlyEnabled) {
      return { descriptor, load: false, reason: 'disabled-by-env' };
    }
    if (descriptor.offByDefault === true && !explicitlyEnabled) {
      return { descriptor, load: false, reason: 'off-by-default' };
    }
    if (descriptor.modules.length > 0 && !descriptor.modules.some((pkg) => isInstalled(pkg, fromDirs))) {
      return { descriptor, load: false, reason: 'not-installed' };
    }
    return { descriptor, load: true, reason: 'enabled' };
  });
}

/** All descriptors: ours first, then those other modules registered (extensions.ts). */
export function allDescriptors(options: BuiltinInstrumentationOptions): InstrumentationDescriptor[] {
  return [...builtinInstrumentations(options), ...extensions.instrumentations];
}
