// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Grafana template syntax, not JS templates
// Unit tests of our own query plumbing: reading targets out of a dashboard and filling Grafana's
// template variables the way Grafana does, which the parse and real-data tests rely on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { interpolate, panelQueries } from '@tracetail/dashboards';

const values = {
  variables: { job: '.*', service: 'api', correlation_id: 'req-1.2', empty: '' },
  rangeSeconds: 3600,
  step: '30s',
};

describe('interpolate', () => {
  test('plain, braced and built-in variables', () => {
    assert.equal(
      interpolate(
        'rate(x{job=~"$job", svc="${service}"}[$__rate_interval]) / $__range $__interval [$__auto]',
        values,
      ),
      'rate(x{job=~".*", svc="api"}[30s]) / 3600s 30s [30s]',
    );
  });

  test('regex and lucene formats escape what the value contains; empty stays empty', () => {
    assert.equal(interpolate('${correlation_id:regex}.*', values), 'req-1\\.2.*');
    assert.equal(
      interpolate('correlation_id:${correlation_id:lucene}*', values),
      'correlation_id:req\\-1.2*',
    );
    assert.equal(interpolate('x:${empty:lucene}*', values), 'x:*');
    assert.equal(interpolate('${job:queryparam}', values), 'var-job=.*');
  });

  test('unknown variables are left for Grafana', () => {
    assert.equal(interpolate('${__value.raw} $unknown', values), '${__value.raw} $unknown');
  });
});

describe('panelQueries', () => {
  const dashboard = {
    uid: 'd',
    title: 'D',
    panels: [
      {
        type: 'timeseries',
        title: 'P',
        targets: [
          { refId: 'A', datasource: { type: 'prometheus', uid: 'p' }, expr: 'up' },
          { refId: 'B', datasource: { type: 'loki', uid: 'l' }, expr: '{a="b"}', queryType: 'instant' },
        ],
      },
      {
        type: 'row',
        title: 'collapsed row',
        panels: [
          {
            type: 'table',
            title: 'Q',
            targets: [
              {
                refId: 'A',
                datasource: { type: 'elasticsearch', uid: 'e' },
                query: 'a:b',
                metrics: [{ type: 'raw_data' }],
              },
            ],
          },
        ],
      },
    ],
  } as unknown as Dashboard;

  test('reads every target, including panels inside collapsed rows', () => {
    const queries = panelQueries(dashboard);
    assert.deepEqual(
      queries.map((q) => [q.panel, q.refId, q.language, q.expr, q.instant, q.datasourceUid]),
      [
        ['P', 'A', 'promql', 'up', false, 'p'],
        ['P', 'B', 'logql', '{a="b"}', true, 'l'],
        ['Q', 'A', 'elasticsearch', 'a:b', false, 'e'],
      ],
    );
    assert.deepEqual(queries[2]!.metrics, [{ type: 'raw_data' }]);
  });

  test('a target without a known datasource is an error naming the panel', () => {
    const bad = {
      uid: 'd',
      panels: [{ type: 'stat', title: 'Lost', targets: [{ refId: 'A' }] }],
    } as unknown as Dashboard;
    assert.throws(() => panelQueries(bad), /dashboard d, panel "Lost": target without a known datasource/);
  });
});
