import { readFileSync } from 'node:fs';
import { StackConfigError } from './errors.ts';
import { repoPath } from './paths.ts';

/** A Go program built from a committed wrapper module (go.mod + go.sum + tools.go). */
export interface GoBuildPin {
  readonly version: string;
  readonly module: string;
  readonly moduleVersion: string;
  readonly package: string;
  /** `-X` linker assignment that stamps the version the binary reports (upstream's Makefile sets it). */
  readonly versionVariable: string;
  readonly wrapper: string;
}

export interface GoWrapperPin extends GoBuildPin {
  readonly image: string;
}

export interface Versions {
  readonly collector: {
    readonly version: string;
    readonly builder: string;
    readonly manifest: string;
    readonly image: string;
  };
  readonly jaeger: GoWrapperPin;
  readonly loki: GoWrapperPin;
  readonly prometheus: {
    readonly version: string;
    readonly debianPackage: string;
    readonly debianVersion: string;
    readonly image: string;
  };
  readonly alertmanager: {
    readonly version: string;
    readonly debianPackage: string;
    readonly debianVersion: string;
    readonly image: string;
  };
  readonly elasticsearch: {
    readonly version: string;
    readonly maven: string;
    readonly javaMajor: number;
    readonly image: string;
  };
  /** The docker compose CLI plugin, to validate compose/docker-compose.yml where Docker is absent. */
  readonly compose: GoBuildPin & { readonly note: string };
  readonly grafana: { readonly version: string; readonly image: string; readonly native: string };
}

export const versionsFile = repoPath('versions.json');

const required: Record<keyof Versions, readonly string[]> = {
  collector: ['version', 'builder', 'manifest', 'image'],
  jaeger: ['version', 'module', 'moduleVersion', 'package', 'versionVariable', 'wrapper', 'image'],
  loki: ['version', 'module', 'moduleVersion', 'package', 'versionVariable', 'wrapper', 'image'],
  prometheus: ['version', 'debianPackage', 'debianVersion', 'image'],
  alertmanager: ['version', 'debianPackage', 'debianVersion', 'image'],
  elasticsearch: ['version', 'maven', 'javaMajor', 'image'],
  compose: ['version', 'module', 'moduleVersion', 'package', 'versionVariable', 'wrapper', 'note'],
  grafana: ['version', 'image', 'native'],
};

let loaded: Versions | undefined;

/** versions.json, validated once and frozen. */
export function versions(): Versions {
  if (loaded !== undefined) return loaded;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(versionsFile, 'utf8'));
  } catch (error) {
    throw new StackConfigError(`cannot read ${versionsFile}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof raw !== 'object' || raw === null)
    throw new StackConfigError(`${versionsFile}: expected an object`);
  const record = raw as Record<string, unknown>;
  for (const [component, keys] of Object.entries(required)) {
    const entry = record[component];
    if (typeof entry !== 'object' || entry === null) {
      throw new StackConfigError(
        `${versionsFile}: missing "${component}"; add it with keys ${keys.join(', ')}`,
      );
    }
    for (const key of keys) {
      const value = (entry as Record<string, unknown>)[key];
      if (value === undefined || value === '') {
        throw new StackConfigError(`${versionsFile}: "${component}.${key}" is missing; pin it`);
      }
    }
    Object.freeze(entry);
  }
  loaded = Object.freeze(record) as unknown as Versions;
  return loaded;
}
