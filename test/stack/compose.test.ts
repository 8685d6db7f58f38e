// compose/docker-compose.yml runs what the native launcher runs: the pinned images, existing config
// files, the same host ports, healthchecks, named volumes, and Grafana locked down. The Collector's
// config uses exactly the components its Builder manifest lists, and the Go build wrappers pin the
// versions in versions.json.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { BackendName } from '@tracetail/stack';
import { allBackends, obtainComposeCli, repoRoot, standardPorts, versions } from '@tracetail/stack';
import { parse } from 'yaml';

interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
}

const composeDir = join(repoRoot, 'compose');
const composeFile = join(composeDir, 'docker-compose.yml');
const compose = parse(readFileSync(composeFile, 'utf8')) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

function service(name: BackendName): ComposeService {
  const found = compose.services[name];
  assert.ok(found, `compose/docker-compose.yml has no "${name}" service`);
  return found;
}

describe('compose/docker-compose.yml', () => {
  it('has exactly one service per backend', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [...allBackends].sort());
  });

  for (const name of allBackends) {
    it(`${name}: image tag is the one versions.json pins`, () => {
      assert.equal(service(name).image, versions()[name].image);
      assert.ok(
        versions()[name].image.endsWith(versions()[name].version),
        `${name}: image ${versions()[name].image} does not carry version ${versions()[name].version}`,
      );
    });

    it(`${name}: every mounted file exists and every named volume is declared`, () => {
      for (const volume of service(name).volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) {
          assert.ok(
            existsSync(resolve(composeDir, source)),
            `${name} mounts ${source}, which does not exist`,
          );
        } else {
          assert.ok(source in compose.volumes, `${name} uses volume ${source}, not declared under volumes:`);
        }
      }
    });

    it(`${name}: publishes the native port map on 127.0.0.1 and has a healthcheck`, () => {
      const published = (service(name).ports ?? []).map((mapping) => {
        const [host, hostPort] = mapping.split(':');
        assert.equal(host, '127.0.0.1', `${name}: ${mapping} must bind loopback only`);
        return Number(hostPort);
      });
      assert.deepEqual(published.sort(), Object.values(standardPorts(name)).sort());
      assert.ok((service(name).healthcheck?.test.length ?? 0) > 1, `${name} has no healthcheck`);
    });
  }

  it('builds the Collector image with the Builder version versions.json pins', () => {
    const pinned = versions().collector.builder.split('@')[1];
    assert.equal(service('collector').build?.args?.BUILDER_VERSION, pinned);
    const dockerfile = readFileSync(join(repoRoot, 'collector', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, new RegExp(`^ARG BUILDER_VERSION=${pinned}$`, 'm'));
  });

  it('takes the Grafana admin password from the environment, with no default, anonymous off', () => {
    const env = service('grafana').environment ?? {};
    assert.match(env.GF_SECURITY_ADMIN_PASSWORD ?? '', /^\$\{GF_SECURITY_ADMIN_PASSWORD:\?[^}]+\}$/);
    assert.equal(env.GF_AUTH_ANONYMOUS_ENABLED, 'false');
    const example = readFileSync(join(composeDir, '.env.example'), 'utf8');
    assert.match(example, /^GF_SECURITY_ADMIN_PASSWORD=$/m);
    assert.doesNotMatch(JSON.stringify(compose), /admin\/admin|ADMIN_PASSWORD: admin\b/);
  });

  // The real docker compose (v2 CLI plugin, built from versions.json "compose" and cached; no engine
  // needed for `config`): the file passes Compose's own schema, interpolation and validation.
  it("passes `docker compose config` (Compose's own loader), and refuses to run without a Grafana password", async () => {
    const composeCli = await obtainComposeCli();
    assert.match(
      execFileSync(composeCli, ['version'], { encoding: 'utf8' }),
      new RegExp(`v${versions().compose.version}`),
    );
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const valid = spawnSync(composeCli, ['-f', composeFile, 'config', '--services'], {
      encoding: 'utf8',
      env: { ...env, GF_SECURITY_ADMIN_PASSWORD: 'checked-by-test' },
    });
    assert.equal(valid.status, 0, valid.stderr);
    assert.deepEqual(valid.stdout.trim().split('\n').sort(), [...allBackends].sort());
    const unset = spawnSync(composeCli, ['-f', composeFile, 'config', '--quiet'], { encoding: 'utf8', env });
    assert.notEqual(unset.status, 0, 'compose must refuse an empty Grafana admin password');
    assert.match(unset.stderr, /required variable GF_SECURITY_ADMIN_PASSWORD is missing a value/);
  });
});

describe('the Collector build and config', () => {
  const manifest = parse(readFileSync(join(repoRoot, versions().collector.manifest), 'utf8')) as Record<
    string,
    Array<{ gomod: string }>
  >;
  const config = parse(readFileSync(join(repoRoot, 'collector', 'config.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;

  // Component type (as used in config) for each module the manifest lists.
  const typeOf: Record<string, string> = {
    otlpreceiver: 'otlp',
    hostmetricsreceiver: 'host_metrics',
    memorylimiterprocessor: 'memory_limiter',
    batchprocessor: 'batch',
    resourceprocessor: 'resource',
    otlpexporter: 'otlp_grpc',
    otlphttpexporter: 'otlp_http',
    debugexporter: 'debug',
    prometheusexporter: 'prometheus',
    spanmetricsconnector: 'span_metrics',
    healthcheckextension: 'health_check',
  };

  for (const kind of ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const) {
    it(`${kind}: the config uses exactly the manifest's`, () => {
      const built = (manifest[kind] ?? []).map(({ gomod }) => {
        const module = gomod.split(' ')[0]!.split('/').at(-1)!;
        const type = typeOf[module];
        assert.ok(type, `unknown module ${module} in the manifest: add it to this test's table`);
        assert.equal(
          gomod.split(' ')[1],
          `v${versions().collector.version}`,
          `${gomod} is not at the pinned version`,
        );
        return type;
      });
      const used = Object.keys(config[kind] ?? {}).map((id) => id.split('/')[0]!);
      assert.deepEqual([...new Set(used)].sort(), [...new Set(built)].sort());
    });
  }

  it('the Jaeger, Loki and compose wrapper modules require the pinned module versions', () => {
    for (const name of ['jaeger', 'loki', 'compose'] as const) {
      const pin = versions()[name];
      const goMod = readFileSync(join(repoRoot, pin.wrapper, 'go.mod'), 'utf8');
      assert.match(
        goMod,
        new RegExp(`^\\s*(require )?${pin.module.replaceAll('.', '\\.')} ${pin.moduleVersion}$`, 'm'),
      );
      assert.ok(existsSync(join(repoRoot, pin.wrapper, 'go.sum')), `${pin.wrapper}/go.sum is missing`);
    }
  });
});
