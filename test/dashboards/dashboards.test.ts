// The dashboards as code: generated JSON is current, the panels the design documents list exist, every
// panel says what it answers and in which unit, every recorded series a query reads is defined, and
// every PromQL query parses (promtool, on the interpolated query).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { buildDashboards, interpolate, panelQueries, UIDS } from '@tracetail/dashboards';
import { stringify } from 'yaml';
import { renderDashboards } from '../../dashboards/src/generate.ts';
import { obtainTools, PROMETHEUS_DIR, PROMTOOL, REPO, runTool } from '../alerts/support.ts';

interface Panel {
  type: string;
  title: string;
  description?: string;
  fieldConfig?: { defaults?: { unit?: string } };
  options?: { yAxis?: { unit?: string } };
  links?: { url?: string }[];
  panels?: Panel[];
}

const dashboards = buildDashboards();

function panels(name: string): Panel[] {
  const out: Panel[] = [];
  for (const p of (dashboards.get(name)!.panels ?? []) as Panel[]) out.push(p, ...(p.panels ?? []));
  return out.filter((p) => p.type !== 'row');
}

/** Panels the design document names (shared/design/mcp-tools-monitoring-stack.md), per dashboard. */
const DESIGN_PANELS: Record<string, string[]> = {
  'system-overview': [
    'Service Health Grid',
    'Request Rate Timeline',
    'User Activity Heatmap',
    'Error Rate by Service',
    'Response Time Distribution',
  ],
  'tool-monitoring': [
    'Tool Execution Rates',
    'Success Rate by Tool',
    'Execution Time Histograms',
    'Resource Usage per Tool',
    'Tool Usage Rankings',
  ],
  'performance-sla': [
    'Availability Gauges',
    'SLA Compliance Timeline',
    'Performance Trends',
    'Capacity Planning Metrics',
    'Threshold Violation Alerts',
  ],
  'basic-system-metrics': [
    'CPU Usage by Service',
    'Memory Usage Timeline',
    'Disk Space Monitoring',
    'Network Traffic Graphs',
    'Container Status Grid',
  ],
};

/** Grafana variable values for checks: "All" for multi-selects, nothing typed in text boxes. */
const CHECK_VALUES = {
  variables: { job: '.*', instance: '.*', tool: '.*', service: '.+', correlation_id: '' },
  rangeSeconds: 3600,
  step: '1m',
};

describe('dashboards as code', () => {
  test('dashboards/generated matches what the code builds (run npm run generate -w dashboards)', () => {
    const built = renderDashboards();
    const dir = join(REPO, 'dashboards/generated');
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
      [...built.keys()].sort(),
    );
    for (const [file, text] of built) assert.equal(readFileSync(join(dir, file), 'utf8'), text, file);
  });

  test('six dashboards with fixed, unique uids, the tracetail tag and links to one another', () => {
    assert.deepEqual([...dashboards.keys()].sort(), [
      'basic-system-metrics',
      'logs-audit',
      'performance-sla',
      'pipeline-health',
      'system-overview',
      'tool-monitoring',
    ]);
    const uids = [...dashboards.values()].map((d) => d.uid);
    assert.deepEqual(new Set(uids), new Set(Object.values(UIDS)));
    for (const [name, d] of dashboards) {
      assert.ok(d.tags?.includes('tracetail'), name);
      assert.ok(
        d.links?.some(
          (l) => l.type === 'dashboards' && l.tags.includes('tracetail') && l.keepTime && l.includeVars,
        ),
        `${name} has no link to the other dashboards`,
      );
      assert.equal(d.editable, false, `${name} should be read-only (provisioned from code)`);
    }
  });

  test('the panels the design documents list are all there', () => {
    for (const [name, titles] of Object.entries(DESIGN_PANELS)) {
      const present = new Set(panels(name).map((p) => p.title));
      assert.deepEqual(
        titles.filter((t) => !present.has(t)),
        [],
        `${name} misses design panels`,
      );
    }
  });

  test('every dashboard has a service variable; Logs & Audit has correlation_id', () => {
    for (const [name, d] of dashboards) {
      const variables = (d.templating.list ?? []).map((v) => v.name);
      assert.ok(variables.includes('job') || variables.includes('service'), `${name}: ${variables}`);
    }
    const logs = (dashboards.get('logs-audit')!.templating.list ?? []).map((v) => v.name);
    assert.deepEqual(logs, ['service', 'correlation_id']);
  });

  test('every panel has a description and a unit where it plots numbers', () => {
    const problems: string[] = [];
    for (const name of dashboards.keys()) {
      for (const p of panels(name)) {
        if (!p.description) problems.push(`${name} / ${p.title}: no description`);
        const unit = p.type === 'heatmap' ? p.options?.yAxis?.unit : p.fieldConfig?.defaults?.unit;
        if (['timeseries', 'stat', 'gauge', 'bargauge', 'heatmap', 'statushistory'].includes(p.type)) {
          const upDown = p.title.includes('Status') || p.title.includes('Health');
          if (!unit && !upDown) problems.push(`${name} / ${p.title}: no unit`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('panel links point at dashboards that exist', () => {
    const uids = new Set<string>(Object.values(UIDS));
    for (const name of dashboards.keys()) {
      for (const p of panels(name)) {
        for (const link of p.links ?? []) {
          const uid = /^\/d\/([\w-]+)/.exec(link.url ?? '')?.[1];
          assert.ok(uid !== undefined && uids.has(uid), `${name} / ${p.title}: ${link.url}`);
        }
      }
    }
  });

  test('range windows follow the dashboard: $__rate_interval or $__range, never a fixed window', () => {
    const fixed: string[] = [];
    for (const d of dashboards.values()) {
      for (const q of panelQueries(d).filter((q) => q.language !== 'elasticsearch')) {
        for (const [, window] of q.expr.matchAll(/\[([^\]]+)\]/g)) {
          if (!['$__rate_interval', '$__range', '$__auto'].includes(window!))
            fixed.push(`${q.dashboard} / ${q.panel}: [${window}]`);
        }
      }
    }
    assert.deepEqual(fixed, []);
  });

  test('every recorded series a panel reads is defined by a recording rule', () => {
    const rulesDir = join(PROMETHEUS_DIR, 'rules');
    const recorded = new Set(
      readdirSync(rulesDir).flatMap((f) =>
        [...readFileSync(join(rulesDir, f), 'utf8').matchAll(/- record: (\S+)/g)].map((m) => m[1]!),
      ),
    );
    const missing: string[] = [];
    for (const d of dashboards.values()) {
      for (const q of panelQueries(d).filter((q) => q.language === 'promql')) {
        for (const [name] of q.expr.matchAll(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g)) {
          if (!recorded.has(name)) missing.push(`${q.dashboard} / ${q.panel}: ${name}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  describe('PromQL', () => {
    before(obtainTools);

    test('every Prometheus query parses (promtool check rules on the interpolated queries)', () => {
      const queries = [...dashboards.values()]
        .flatMap((d) => panelQueries(d))
        .filter((q) => q.language === 'promql');
      assert.ok(queries.length > 50, `only ${queries.length} PromQL queries`);
      const groups = queries.map((q, i) => ({
        name: `${q.dashboard} / ${q.panel} / ${q.refId}`,
        rules: [{ record: `dashboard_query_${i}`, expr: interpolate(q.expr, CHECK_VALUES) }],
      }));
      const dir = mkdtempSync(join(tmpdir(), 'tracetail-promql-'));
      try {
        const file = join(dir, 'dashboard-queries.yml');
        writeFileSync(file, stringify({ groups }));
        const { status, output } = runTool(PROMTOOL, ['check', 'rules', file]);
        assert.equal(status, 0, output);
        assert.match(output, new RegExp(`SUCCESS: ${queries.length} rules found`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
