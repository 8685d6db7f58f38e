// The Prometheus and Alertmanager configuration is valid, every alert has a promtool unit test that
// shows it firing and not firing, and every alert is documented in the README.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import {
  ALERTMANAGER_DIR,
  AMTOOL,
  obtainTools,
  PROMETHEUS_DIR,
  PROMTOOL,
  REPO,
  renderPrometheusCopy,
  runTool,
} from './support.ts';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts?: unknown[];
}
interface TestFile {
  tests: { name: string; alert_rule_test?: AlertTest[] }[];
}

const rulesDir = join(PROMETHEUS_DIR, 'rules');
const ruleFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(rulesDir, f));
const testFiles = readdirSync(join(PROMETHEUS_DIR, 'tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => join(PROMETHEUS_DIR, 'tests', f));

function alertRules(): Rule[] {
  return ruleFiles.flatMap((file) =>
    (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules.filter((r) => r.alert)),
  );
}

describe('Prometheus configuration', () => {
  before(obtainTools);

  test('promtool check config accepts prometheus.yml with its rule files', () => {
    const copy = renderPrometheusCopy();
    try {
      // A service file as a user would drop it, so file discovery has something to read.
      copyFileSync(
        join(copy.dir, 'targets/services/example-mcp.yml.example'),
        join(copy.dir, 'targets/services/example-mcp.yml'),
      );
      const { status, output } = runTool(PROMTOOL, ['check', 'config', copy.config]);
      assert.equal(status, 0, output);
      assert.match(output, /SUCCESS: \S+\/prometheus\.yml is valid prometheus config file syntax/);
      assert.doesNotMatch(output, /WARNING/);
      assert.match(output, new RegExp(`SUCCESS: ${ruleFiles.length} rule files found`), output);
    } finally {
      copy.cleanup();
    }
  });

  test('promtool check rules --lint-fatal accepts every rule file', () => {
    const { status, output } = runTool(PROMTOOL, ['check', 'rules', '--lint-fatal', ...ruleFiles]);
    assert.equal(status, 0, output);
    assert.equal(output.match(/SUCCESS/g)?.length, ruleFiles.length, output);
  });

  test('promtool check rules rejects a broken expression (the check can fail)', () => {
    const copy = renderPrometheusCopy();
    try {
      const broken = join(copy.dir, 'broken.yml');
      writeFileSync(
        broken,
        'groups:\n  - name: x\n    rules:\n      - record: a:b:c\n        expr: sum(rate(x[5m])\n',
      );
      const { status, output } = runTool(PROMTOOL, ['check', 'rules', broken]);
      assert.notEqual(status, 0);
      assert.match(output, /unclosed left parenthesis|parse error/);
    } finally {
      copy.cleanup();
    }
  });

  test('promtool test rules: every unit test passes', () => {
    const { status, output } = runTool(PROMTOOL, ['test', 'rules', ...testFiles]);
    assert.equal(status, 0, output);
    assert.equal(output.match(/SUCCESS/g)?.length, testFiles.length, output);
  });

  test('every alert has a unit test where it fires and one where it does not', () => {
    const cases = testFiles.flatMap((file) =>
      (parse(readFileSync(file, 'utf8')) as TestFile).tests.flatMap((t) => t.alert_rule_test ?? []),
    );
    const alerts = alertRules().map((r) => r.alert!);
    assert.ok(alerts.length >= 19, `only ${alerts.length} alerts`);
    const missing: string[] = [];
    for (const alert of alerts) {
      const own = cases.filter((c) => c.alertname === alert);
      if (!own.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${alert}: no firing case`);
      if (!own.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${alert}: no silent case`);
    }
    assert.deepEqual(missing, []);
  });

  test('every alert carries a severity Alertmanager routes, a summary and a runbook link', () => {
    for (const rule of alertRules()) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning|info)$/, rule.alert);
      const annotations = (rule as { annotations?: Record<string, string> }).annotations ?? {};
      assert.ok(annotations.summary, `${rule.alert} has no summary`);
      assert.equal(
        annotations.runbook_url,
        `https://github.com/tracetail/tracetail/blob/main/README.md#${rule.alert!.toLowerCase()}`,
      );
    }
  });

  test('the README documents every alert (meaning and action) under its anchor', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const undocumented = alertRules()
      .map((r) => r.alert!)
      .filter((alert) => !new RegExp(`^#{3,4} ${alert}\\s*$`, 'm').test(readme));
    assert.deepEqual(undocumented, []);
  });
});

describe('Alertmanager configuration', () => {
  before(obtainTools);

  const config = join(ALERTMANAGER_DIR, 'alertmanager.yml');

  test('amtool check-config accepts alertmanager.yml', () => {
    const { status, output } = runTool(AMTOOL, ['check-config', config]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
    assert.match(output, /3 receivers/);
  });

  test('the commented Slack and email examples are valid once uncommented', () => {
    const text = readFileSync(config, 'utf8');
    const uncommented = text
      .split('\n')
      .map((line) =>
        line.replace(
          /^(\s*)# ((?:smtp_|slack_configs|email_configs|\s+- (?:api_url_file|to):|\s+\w+:).*)$/,
          '$1$2',
        ),
      )
      .join('\n');
    assert.notEqual(uncommented, text, 'no example was uncommented');
    const scratch = renderPrometheusCopy();
    const copy = join(scratch.dir, 'alertmanager-examples.yml');
    writeFileSync(copy, uncommented);
    const { status, output } = runTool(AMTOOL, ['check-config', copy]);
    scratch.cleanup();
    assert.equal(status, 0, `${output}\n---\n${uncommented}`);
    const parsed = parse(uncommented) as {
      receivers: { name: string; slack_configs?: unknown[]; email_configs?: unknown[] }[];
    };
    const critical = parsed.receivers.find((r) => r.name === 'critical');
    assert.equal(critical?.slack_configs?.length, 1);
    assert.equal(critical?.email_configs?.length, 1);
  });

  test('routes by severity: critical, warning and info reach different receivers', () => {
    const cases: [string, string][] = [
      ['severity=critical', 'critical'],
      ['severity=warning', 'warning'],
      ['severity=info', 'blackhole'],
    ];
    for (const [labels, receiver] of cases) {
      const { status, output } = runTool(AMTOOL, [
        'config',
        'routes',
        'test',
        `--config.file=${config}`,
        labels,
      ]);
      assert.equal(status, 0, output);
      assert.equal(output.split('\n')[0]?.trim(), receiver, labels);
    }
  });
});
