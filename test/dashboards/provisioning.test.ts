// Grafana provisioning, checked against Grafana's documented schema (no Grafana server runs here: the Go
// module proxy serves no github.com/grafana/grafana version to build one): datasources (apiVersion 1,
// fixed uids, links between them), the dashboard provider, and secure defaults in grafana.ini.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildDashboards, DATASOURCES, panelQueries } from '@tracetail/dashboards';
import { parse } from 'yaml';
import { REPO } from '../alerts/support.ts';

const GRAFANA_DIR = join(REPO, 'compose/grafana');
const datasourcesText = readFileSync(join(GRAFANA_DIR, 'provisioning/datasources/tracetail.yml'), 'utf8');
const providersText = readFileSync(join(GRAFANA_DIR, 'provisioning/dashboards/tracetail.yml'), 'utf8');
const ini = readFileSync(join(GRAFANA_DIR, 'grafana.ini'), 'utf8');

/**
 * Grafana's provisioning expansion (pkg/services/provisioning/values): `$VAR` and `${VAR}` are replaced
 * from the environment, `$$` is a literal `$`. Unset variables become empty.
 */
function expandLikeGrafana(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, bare?: string) =>
    match === '$$' ? '$' : (env[(braced ?? bare)!] ?? ''),
  );
}

interface Datasource {
  name: string;
  type: string;
  uid: string;
  access: string;
  url: string;
  editable: boolean;
  isDefault?: boolean;
  basicAuth?: unknown;
  basicAuthUser?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}

/** Keys Grafana's datasource provisioning accepts (docs: "Provision Grafana" → data sources). */
const DATASOURCE_KEYS = new Set([
  'name',
  'type',
  'uid',
  'access',
  'orgId',
  'url',
  'user',
  'database',
  'basicAuth',
  'basicAuthUser',
  'withCredentials',
  'isDefault',
  'jsonData',
  'secureJsonData',
  'version',
  'editable',
]);

// Grafana's own placeholders, which must reach Grafana unexpanded (written `$$` in the provisioning file).
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana placeholder, not a JS template
const VALUE_RAW = '${__value.raw}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana placeholders, not a JS template
const TRACE_LOGS_QUERY = '{${__tags}} | trace_id="${__trace.traceId}"';

const ENV = {
  TRACETAIL_PROMETHEUS_URL: 'http://127.0.0.1:9090',
  TRACETAIL_LOKI_URL: 'http://127.0.0.1:3100',
  TRACETAIL_JAEGER_URL: 'http://127.0.0.1:16686',
  TRACETAIL_ELASTICSEARCH_URL: 'http://127.0.0.1:9200',
  TRACETAIL_ELASTICSEARCH_BASIC_AUTH: 'true',
  TRACETAIL_ELASTICSEARCH_USER: 'reader',
  TRACETAIL_ELASTICSEARCH_PASSWORD: 's3cret-from-env',
  TRACETAIL_DASHBOARDS_DIR: '/srv/dashboards',
};

function expanded(): { apiVersion: number; prune: boolean; datasources: Datasource[] } {
  return parse(expandLikeGrafana(datasourcesText, ENV));
}

function byUid(uid: string): Datasource {
  const ds = expanded().datasources.find((d) => d.uid === uid);
  assert.ok(ds, `no datasource ${uid}`);
  return ds;
}

describe('Grafana datasource provisioning', () => {
  test('apiVersion 1, pruned, known keys only, proxied, not editable, one default', () => {
    const file = expanded();
    assert.equal(file.apiVersion, 1);
    assert.equal(file.prune, true);
    assert.deepEqual(file.datasources.map((d) => d.type).sort(), [
      'elasticsearch',
      'elasticsearch',
      'jaeger',
      'loki',
      'prometheus',
    ]);
    for (const ds of file.datasources) {
      const unknown = Object.keys(ds).filter((k) => !DATASOURCE_KEYS.has(k));
      assert.deepEqual(unknown, [], `${ds.name}: unknown keys`);
      assert.equal(ds.access, 'proxy', ds.name);
      assert.equal(ds.editable, false, ds.name);
      assert.match(ds.url, /^http:\/\/127\.0\.0\.1:\d+$/, `${ds.name}: url comes from the environment`);
    }
    assert.equal(file.datasources.filter((d) => d.isDefault).length, 1);
  });

  test('the uids the dashboards use are exactly the provisioned ones', () => {
    const provisioned = new Set(expanded().datasources.map((d) => d.uid));
    assert.deepEqual(new Set(Object.values(DATASOURCES).map((d) => d.uid)), provisioned);
    for (const d of buildDashboards().values()) {
      for (const q of panelQueries(d))
        assert.ok(provisioned.has(q.datasourceUid), `${q.dashboard} / ${q.panel}`);
    }
  });

  test('URLs and credentials are environment references, never literals', () => {
    const raw = parse(datasourcesText) as { datasources: Datasource[] };
    for (const ds of raw.datasources) {
      assert.match(ds.url, /^\$\{TRACETAIL_[A-Z]+_URL\}$/, ds.name);
      for (const [key, value] of Object.entries(ds.secureJsonData ?? {})) {
        assert.match(value, /^\$\{TRACETAIL_[A-Z_]+\}$/, `${ds.name}.secureJsonData.${key}`);
      }
      if (ds.basicAuthUser !== undefined) assert.match(ds.basicAuthUser, /^\$\{TRACETAIL_[A-Z_]+\}$/);
    }
    const es = byUid('tracetail-es-audit');
    assert.equal(es.basicAuth, true);
    assert.equal(es.basicAuthUser, 'reader');
    assert.equal(es.secureJsonData?.basicAuthPassword, 's3cret-from-env');
    // Unset credentials expand to nothing: basic auth off, no user.
    const bare = parse(expandLikeGrafana(datasourcesText, { TRACETAIL_LOKI_URL: 'http://x' })) as {
      datasources: Datasource[];
    };
    const loki = bare.datasources.find((d) => d.uid === 'tracetail-loki')!;
    assert.equal(loki.basicAuth, null);
    assert.equal(loki.basicAuthUser, null);
  });

  test('Prometheus exemplars open the trace in Jaeger', () => {
    const destinations = byUid('tracetail-prometheus').jsonData?.exemplarTraceIdDestinations as {
      name: string;
      datasourceUid: string;
    }[];
    assert.deepEqual(
      destinations.map((d) => [d.name, d.datasourceUid]),
      [['trace_id', 'tracetail-jaeger']],
    );
  });

  test('Loki derives a Jaeger link from the trace_id structured metadata', () => {
    const fields = byUid('tracetail-loki').jsonData?.derivedFields as Record<string, string>[];
    assert.equal(fields.length, 1);
    assert.deepEqual(fields[0], {
      name: 'TraceID',
      matcherType: 'label',
      matcherRegex: 'trace_id',
      datasourceUid: 'tracetail-jaeger',
      url: VALUE_RAW,
      urlDisplayLabel: 'View trace in Jaeger',
    });
  });

  test('Jaeger links a span to its logs in Loki by service and trace id', () => {
    const link = byUid('tracetail-jaeger').jsonData?.tracesToLogsV2 as Record<string, unknown>;
    assert.equal(link.datasourceUid, 'tracetail-loki');
    assert.equal(link.filterByTraceID, true);
    assert.deepEqual(link.tags, [{ key: 'service.name', value: 'service_name' }]);
    assert.equal(link.customQuery, true);
    assert.equal(link.query, TRACE_LOGS_QUERY);
  });

  test('Elasticsearch audit and logs: index, time field, and a data link from trace.id to Jaeger', () => {
    for (const [uid, index] of [
      ['tracetail-es-audit', 'tracetail-audit-*'],
      ['tracetail-es-logs', 'tracetail-logs-*'],
    ] as const) {
      const json = byUid(uid).jsonData!;
      assert.equal(json.index, index);
      assert.equal(json.timeField, '@timestamp');
      assert.equal(json.logMessageField, 'message');
      assert.equal(json.logLevelField, 'log.level');
      assert.deepEqual(json.dataLinks, [
        {
          field: 'trace.id',
          datasourceUid: 'tracetail-jaeger',
          url: VALUE_RAW,
          urlDisplayLabel: 'View trace in Jaeger',
        },
      ]);
    }
  });
});

describe('Grafana dashboard provider', () => {
  test('file provider on the generated dashboards, read-only, in its own folder', () => {
    const file = parse(expandLikeGrafana(providersText, ENV)) as {
      apiVersion: number;
      providers: Record<string, unknown>[];
    };
    assert.equal(file.apiVersion, 1);
    assert.equal(file.providers.length, 1);
    const provider = file.providers[0]!;
    assert.equal(provider.type, 'file');
    assert.equal(provider.folderUid, 'tracetail');
    assert.equal(provider.disableDeletion, true);
    assert.equal(provider.allowUiUpdates, false);
    assert.deepEqual(provider.options, { path: '/srv/dashboards', foldersFromFilesStructure: false });
  });

  test('Compose mounts the generated dashboards where the provider looks', () => {
    const compose = readFileSync(join(REPO, 'compose/docker-compose.yml'), 'utf8');
    assert.match(compose, /TRACETAIL_DASHBOARDS_DIR: \/etc\/grafana\/dashboards/);
    assert.match(compose, /\.\.\/dashboards\/generated:\/etc\/grafana\/dashboards:ro/);
  });
});

describe('Grafana secure defaults', () => {
  function setting(section: string, key: string): string | undefined {
    const body = ini.split(/^\[/m).find((s) => s.startsWith(`${section}]`));
    return body?.match(new RegExp(`^${key}\\s*=\\s*(.*)$`, 'm'))?.[1]?.trim();
  }

  test('no admin password in any file, anonymous access and sign-up off, no phone-home', () => {
    assert.equal(setting('security', 'admin_password'), undefined);
    assert.equal(setting('auth.anonymous', 'enabled'), 'false');
    assert.equal(setting('users', 'allow_sign_up'), 'false');
    assert.equal(setting('snapshots', 'external_enabled'), 'false');
    assert.equal(setting('analytics', 'reporting_enabled'), 'false');
    assert.equal(setting('plugins', 'preinstall_disabled'), 'true');
    assert.equal(setting('server', 'http_addr'), '127.0.0.1');
  });

  test('nothing under compose/grafana spells admin/admin or a default password', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(GRAFANA_DIR);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /admin\/admin|admin_password\s*=\s*\S|password:\s*['"]?[A-Za-z0-9]/i, file);
    }
    const compose = readFileSync(join(REPO, 'compose/docker-compose.yml'), 'utf8');
    assert.match(compose, /GF_SECURITY_ADMIN_PASSWORD: \$\{GF_SECURITY_ADMIN_PASSWORD:\?/);
    assert.match(compose, /GF_AUTH_ANONYMOUS_ENABLED: "false"/);
  });
});
