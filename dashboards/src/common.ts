// Shared building blocks for tracetail's dashboards: datasource references (the uids provisioned in
// compose/grafana/provisioning/datasources), query constructors, variables and links. Each dashboard
// module only states what it shows and why.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as elasticsearch from '@grafana/grafana-foundation-sdk/elasticsearch';
import * as loki from '@grafana/grafana-foundation-sdk/loki';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';

/** Provisioned datasources; the uids must match compose/grafana/provisioning/datasources/tracetail.yml. */
export const DATASOURCES = Object.freeze({
  prometheus: { type: 'prometheus', uid: 'tracetail-prometheus' },
  loki: { type: 'loki', uid: 'tracetail-loki' },
  jaeger: { type: 'jaeger', uid: 'tracetail-jaeger' },
  esAudit: { type: 'elasticsearch', uid: 'tracetail-es-audit' },
  esLogs: { type: 'elasticsearch', uid: 'tracetail-es-logs' },
} as const satisfies Record<string, common.DataSourceRef>);

/** Every tracetail dashboard carries this tag; the dashboard links list dashboards by it. */
export const TAG = 'tracetail';

export type Target = cog.Builder<cog.Dataquery>;

interface PromOptions {
  legend?: string;
  instant?: boolean;
  /** Show exemplars (span metrics carry trace ids; the datasource links them to Jaeger). */
  exemplar?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
}

export function prom(expr: string, options: PromOptions = {}): prometheus.DataqueryBuilder {
  const query = new prometheus.DataqueryBuilder()
    .datasource(DATASOURCES.prometheus)
    .expr(expr)
    .legendFormat(options.legend ?? '__auto');
  if (options.instant) query.instant().format(prometheus.PromQueryFormat.Table);
  else query.range();
  if (options.exemplar) query.exemplar(true);
  if (options.format === 'heatmap') query.format(prometheus.PromQueryFormat.Heatmap);
  if (options.format === 'table') query.format(prometheus.PromQueryFormat.Table);
  return query;
}

export function logql(expr: string, legend?: string): loki.DataqueryBuilder {
  const query = new loki.DataqueryBuilder().datasource(DATASOURCES.loki).expr(expr);
  if (legend !== undefined) query.legendFormat(legend);
  return query;
}

type EsDatasource = typeof DATASOURCES.esAudit | typeof DATASOURCES.esLogs;

/** Raw documents (newest first) for a table or logs panel. */
export function esDocuments(
  datasource: EsDatasource,
  lucene: string,
  size = 100,
): elasticsearch.DataqueryBuilder {
  return new elasticsearch.DataqueryBuilder()
    .datasource(datasource)
    .query(lucene)
    .timeField('@timestamp')
    .metrics([new elasticsearch.RawDataBuilder().id('1').settings({ size: String(size) })]);
}

/** Document counts over time, optionally split by a keyword field. */
export function esCount(
  datasource: EsDatasource,
  lucene: string,
  splitBy?: string,
): elasticsearch.DataqueryBuilder {
  const buckets: cog.Builder<elasticsearch.BucketAggregation>[] = [];
  if (splitBy !== undefined) {
    buckets.push(
      new elasticsearch.TermsBuilder().id('3').field(splitBy).settings({
        size: '20',
        order: elasticsearch.TermsOrder.Desc,
        orderBy: '_count',
        min_doc_count: '1',
      }),
    );
  }
  buckets.push(
    new elasticsearch.DateHistogramBuilder()
      .id('2')
      .field('@timestamp')
      .settings({ interval: 'auto', min_doc_count: '0' }),
  );
  return new elasticsearch.DataqueryBuilder()
    .datasource(datasource)
    .query(lucene)
    .timeField('@timestamp')
    .metrics([new elasticsearch.CountBuilder().id('1')])
    .bucketAggs(buckets);
}

/**
 * A multi-select query variable (with "All") refreshed with the time range: every filter variable of
 * the tracetail dashboards. Without `allValue`, "All" expands to the listed values.
 */
export function multiValueVariable(opts: {
  name: string;
  label: string;
  datasource: common.DataSourceRef;
  query: string;
  allValue?: string;
}): dashboard.QueryVariableBuilder {
  const variable = new dashboard.QueryVariableBuilder(opts.name)
    .label(opts.label)
    .datasource(opts.datasource)
    .query(opts.query)
    .definition(opts.query)
    .multi(true)
    .includeAll(true);
  if (opts.allValue !== undefined) variable.allValue(opts.allValue);
  return variable
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** `job` is the service name (file_sd `service` label, or service.name through the Collector). */
export function serviceVariable(sourceMetric = 'process_uptime_seconds'): dashboard.QueryVariableBuilder {
  return multiValueVariable({
    name: 'job',
    label: 'Service',
    datasource: DATASOURCES.prometheus,
    query: `label_values(${sourceMetric}, job)`,
    allValue: '.*',
  });
}

export function instanceVariable(): dashboard.QueryVariableBuilder {
  return multiValueVariable({
    name: 'instance',
    label: 'Instance',
    datasource: DATASOURCES.prometheus,
    query: 'label_values(up{job=~"$job"}, instance)',
    allValue: '.*',
  });
}

/** Links every tracetail dashboard to the others, keeping the time range and the variables. */
export function dashboardLinks(): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder('tracetail dashboards')
    .type(dashboard.DashboardLinkType.Dashboards)
    .tags([TAG])
    .asDropdown(false)
    .includeVars(true)
    .keepTime(true);
}

/** A panel link to another tracetail dashboard, carrying the time range and the service selection. */
export function linkTo(title: string, uid: string): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder(title)
    .type(dashboard.DashboardLinkType.Link)
    .url(`/d/${uid}?\${__url_time_range}&\${job:queryparam}`);
}

/** Thresholds from (value, colour) pairs, the first being the base. */
export function steps(...pairs: [number | null, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(pairs.map(([value, color]) => ({ value, color })));
}

export function newDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([TAG])
    .readonly()
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(dashboardLinks());
}

/** Dashboard uids: fixed, so links and provisioning stay stable. */
export const UIDS = Object.freeze({
  systemOverview: 'tracetail-system-overview',
  toolMonitoring: 'tracetail-tool-monitoring',
  performanceSla: 'tracetail-performance-sla',
  basicSystemMetrics: 'tracetail-basic-system-metrics',
  logsAudit: 'tracetail-logs-audit',
  pipelineHealth: 'tracetail-pipeline-health',
});
