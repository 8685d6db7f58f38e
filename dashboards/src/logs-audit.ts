// Logs & Audit: follow one correlation id through application logs and audit events, in Loki and in
// Elasticsearch, and jump from any line to its trace in Jaeger (derived field / data link on trace_id).
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {
  DATASOURCES,
  esCount,
  esDocuments,
  logql,
  multiValueVariable,
  newDashboard,
  UIDS,
} from './common.ts';

/** Loki stream selector for the selected services; `lane` is the tailer's stream label (app | audit). */
function streams(lane: 'app' | 'audit'): string {
  return `{service_name=~"$service", stream="${lane}"}`;
}

/**
 * Empty variable = every line; otherwise lines whose correlation_id starts with what was typed. A raw
 * (backtick) string, so the regex escapes Grafana adds are not read as string escapes by LogQL.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana template variable, filled in by Grafana
const CORRELATION = '| correlation_id=~`${correlation_id:regex}.*`';

/** Lucene: the selected services' documents. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana template variable, filled in by Grafana
const ES_SERVICES = 'service.name:(${service:lucene})';

/** …that carry a correlation id starting with what was typed (any id when empty). */
const ES_CORRELATION = `${ES_SERVICES} AND correlation_id:\${correlation_id:lucene}*`;

function serviceFromLoki(): dashboard.QueryVariableBuilder {
  return multiValueVariable({
    name: 'service',
    label: 'Service',
    datasource: DATASOURCES.loki,
    query: 'label_values(service_name)',
  });
}

/** Explore URL that opens a trace id in the Jaeger datasource (Grafana fills ${__value.raw}). */
function traceLink(): dashboard.DashboardLinkBuilder {
  const panes = {
    trace: {
      datasource: DATASOURCES.jaeger.uid,
      queries: [{ refId: 'A', datasource: DATASOURCES.jaeger, queryType: 'traceId', query: 'TRACE_ID' }],
      range: { from: 'now-1h', to: 'now' },
    },
  };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana template variable, filled in by Grafana
  const encoded = encodeURIComponent(JSON.stringify(panes)).replace('TRACE_ID', '${__value.raw}');
  return new dashboard.DashboardLinkBuilder('Trace in Jaeger')
    .type(dashboard.DashboardLinkType.Link)
    .url(`/explore?schemaVersion=1&orgId=1&panes=${encoded}`);
}

export function logsAudit(): dashboard.Dashboard {
  return newDashboard(
    UIDS.logsAudit,
    'Logs & Audit',
    'Application logs and audit events by correlation id, from Loki and Elasticsearch, each linking to its trace.',
  )
    .withVariable(serviceFromLoki())
    .withVariable(
      new dashboard.TextBoxVariableBuilder('correlation_id')
        .label('Correlation id')
        .description('Type a correlation id (or its start) to follow one request; empty shows everything.')
        .defaultValue(''),
    )
    .withRow(new dashboard.RowBuilder('Loki'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Log lines by level')
        .description('Application log lines per second by level, from Loki.')
        .withTarget(
          logql(`sum by (level) (count_over_time(${streams('app')} ${CORRELATION} [$__auto]))`, '{{level}}'),
        )
        .unit('short')
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .span(12),
    )
    .withPanel(
      new barchart.PanelBuilder()
        .title('Audit events by action (Loki)')
        .description('Audit events per action over the selected range (event_action is structured metadata).')
        .withTarget(
          logql(
            `sum by (event_action) (count_over_time(${streams('audit')} ${CORRELATION} [$__range]))`,
            '{{event_action}}',
          )
            .queryType('instant')
            .instant(true),
        )
        .unit('short')
        .span(12),
    )
    .withPanel(
      new logs.PanelBuilder()
        .title('Application logs')
        .description(
          'Application log lines of the selected services; open a line and follow TraceID to Jaeger.',
        )
        .withTarget(logql(`${streams('app')} ${CORRELATION}`))
        .showTime(true)
        .enableLogDetails(true)
        .sortOrder(common.LogsSortOrder.Descending)
        .span(24)
        .height(10),
    )
    .withPanel(
      new logs.PanelBuilder()
        .title('Audit events (Loki)')
        .description('The audit lane in Loki: who did what, with which outcome; TraceID links to Jaeger.')
        .withTarget(logql(`${streams('audit')} ${CORRELATION}`))
        .showTime(true)
        .enableLogDetails(true)
        .sortOrder(common.LogsSortOrder.Descending)
        .span(24)
        .height(10),
    )
    .withRow(new dashboard.RowBuilder('Elasticsearch'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Audit events by outcome (Elasticsearch)')
        .description('Audit documents in tracetail-audit-* over time by event.outcome.')
        .withTarget(esCount(DATASOURCES.esAudit, ES_CORRELATION, 'event.outcome'))
        .unit('short')
        .drawStyle(common.GraphDrawStyle.Bars)
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Application log documents (Elasticsearch)')
        .description('Documents in tracetail-logs-* over time by log.level.')
        .withTarget(esCount(DATASOURCES.esLogs, ES_SERVICES, 'log.level'))
        .unit('short')
        .drawStyle(common.GraphDrawStyle.Bars)
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Audit trail (Elasticsearch)')
        .description('The audit documents themselves, newest first; trace.id opens the trace in Jaeger.')
        .withTarget(esDocuments(DATASOURCES.esAudit, ES_CORRELATION))
        .overrideByName('trace.id', [{ id: 'links', value: [traceLink().build()] }])
        .span(24)
        .height(10),
    )
    .build();
}
