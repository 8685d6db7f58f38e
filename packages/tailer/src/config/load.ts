// Reads tailer.yaml once at the edge: YAML → ${ENV} substitution → schema validation with defaults →
// frozen object. Every error names the key path and the fix, one line each.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { ConfigError, ConfigErrors } from '../errors.ts';
import { configSchema } from './schema.ts';
import type { TailerConfig } from './types.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const validate = ajv.compile(configSchema);

/** Levenshtein distance; the key lists are tiny so the O(n·m) table is fine. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A suggestion further away than half the word is noise, not help.
  return best !== undefined && bestDistance <= Math.max(2, Math.ceil(key.length / 2)) ? best : undefined;
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(error: ErrorObject): ConfigError {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      const near = nearestKey(key, known);
      const fix = near ? `did you mean "${near}"?` : `valid keys: ${known.join(', ')}`;
      return new ConfigError(join(path, key), `unknown key; ${fix}`);
    }
    case 'required':
      return new ConfigError(join(path, String(params.missingProperty)), 'is required; add it');
    case 'enum':
      return new ConfigError(
        path,
        `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    case 'type':
      return new ConfigError(path, `must be of type ${String(params.type)}`);
    case 'pattern':
      return new ConfigError(path, `must match ${String(params.pattern)}`);
    case 'propertyNames':
      return new ConfigError(
        join(path, String(params.propertyName)),
        'invalid label name; use [a-zA-Z_][a-zA-Z0-9_]*',
      );
    default:
      return new ConfigError(path, `${error.message ?? 'is invalid'}; fix this value`);
  }
}

const envReference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replaces `${NAME}` in string values (after YAML parsing, so an env value cannot inject structure). */
function substituteEnv(value: unknown, path: string, env: NodeJS.ProcessEnv, errors: ConfigError[]): unknown {
  if (typeof value === 'string') {
    return value.replace(envReference, (_match, name: string) => {
      const found = env[name];
      if (found === undefined) {
        errors.push(
          new ConfigError(path, `environment variable ${name} is not set; export it or remove the reference`),
        );
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substituteEnv(item, `${path}[${i}]`, env, errors));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, join(path, k), env, errors);
    return out;
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Cross-field rules a JSON Schema cannot say clearly. */
function checkSemantics(config: TailerConfig, errors: ConfigError[]): void {
  const names = new Set<string>();
  config.inputs.forEach((input, i) => {
    if (names.has(input.name))
      errors.push(
        new ConfigError(`inputs[${i}].name`, `duplicate input name "${input.name}"; make it unique`),
      );
    names.add(input.name);
  });
  const lokiAuth = config.sinks.loki?.auth;
  if (lokiAuth?.bearerToken && (lokiAuth.username || lokiAuth.password)) {
    errors.push(new ConfigError('sinks.loki.auth', 'set either bearerToken or username+password, not both'));
  }
  if (lokiAuth && !lokiAuth.bearerToken && Boolean(lokiAuth.username) !== Boolean(lokiAuth.password)) {
    errors.push(new ConfigError('sinks.loki.auth', 'basic auth needs both username and password'));
  }
  const esAuth = config.sinks.elasticsearch?.auth;
  if (esAuth?.apiKey && (esAuth.username || esAuth.password)) {
    errors.push(
      new ConfigError('sinks.elasticsearch.auth', 'set either apiKey or username+password, not both'),
    );
  }
  if (esAuth && !esAuth.apiKey && Boolean(esAuth.username) !== Boolean(esAuth.password)) {
    errors.push(new ConfigError('sinks.elasticsearch.auth', 'basic auth needs both username and password'));
  }
  for (const [name, sink] of Object.entries(config.sinks)) {
    if (sink && sink.retry.maxMs < sink.retry.initialMs) {
      errors.push(new ConfigError(`sinks.${name}.retry.maxMs`, 'must be >= retry.initialMs'));
    }
  }
  if (config.reader.chunkBytes > config.pipeline.maxBufferedBytes) {
    errors.push(new ConfigError('reader.chunkBytes', 'must not exceed pipeline.maxBufferedBytes'));
  }
}

/** Validates an already-parsed config object; relative paths resolve against `baseDir`. */
export function parseConfig(
  raw: unknown,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): TailerConfig {
  const errors: ConfigError[] = [];
  const substituted = substituteEnv(raw ?? {}, '', env, errors);
  if (!validate(substituted)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      // `if`/`oneOf` wrappers repeat their children's complaints; keep the precise ones.
      const described = describe(error);
      if (!seen.has(described.message)) {
        seen.add(described.message);
        errors.push(described);
      }
    }
  }
  if (errors.length > 0) throw new ConfigErrors(errors);
  const config = substituted as {
    inputs: { paths: string[]; exclude: string[] }[];
    checkpoint: { path: string };
    deadLetter: { path?: string };
  };
  for (const input of config.inputs) {
    input.paths = input.paths.map((p) => resolve(baseDir, p));
    input.exclude = input.exclude.map((p) => resolve(baseDir, p));
  }
  config.checkpoint.path = resolve(baseDir, config.checkpoint.path);
  config.deadLetter.path = config.deadLetter.path
    ? resolve(baseDir, config.deadLetter.path)
    : resolve(dirname(config.checkpoint.path), 'dead-letter.jsonl');
  const typed = config as unknown as TailerConfig;
  checkSemantics(typed, errors);
  if (errors.length > 0) throw new ConfigErrors(errors);
  return deepFreeze(typed);
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): TailerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigErrors([
      new ConfigError(
        '',
        `cannot read config file ${file} (${(error as NodeJS.ErrnoException).code}); check --config`,
      ),
    ]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigErrors(
      doc.errors.map(
        (e) =>
          new ConfigError(
            '',
            `YAML syntax error at line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`,
          ),
      ),
    );
  }
  return parseConfig(doc.toJS(), dirname(resolve(file)), env);
}
