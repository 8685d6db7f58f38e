// System Overview: is everything up, how much traffic, how many errors, how fast? The landing page.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statushistory from '@grafana/grafana-foundation-sdk/statushistory';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { linkTo, newDashboard, prom, serviceVariable, steps, UIDS } from './common.ts';

const UP_DOWN: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: { '0': { text: 'DOWN', color: 'red', index: 0 }, '1': { text: 'UP', color: 'green', index: 1 } },
  },
];

export function systemOverview(): dashboard.Dashboard {
  return newDashboard(
    UIDS.systemOverview,
    'System Overview',
    'High-level health and activity of every service and pipeline component.',
  )
    .withVariable(serviceVariable())
    .withRow(new dashboard.RowBuilder('Health'))
    .withPanel(
      new stat.PanelBuilder()
        .title('Service Health Grid')
        .description(
          'Is every scraped target up? One tile per Prometheus job: services, Collector, tailer and backends.',
        )
        .withTarget(prom('min by (job) (up)', { legend: '{{job}}' }))
        .mappings(UP_DOWN)
        .thresholds(steps([null, 'red'], [1, 'green']))
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']))
        .span(24)
        .height(5),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Success rate')
        .description('Share of HTTP requests without a 5xx status over the last 5 minutes, per service.')
        .withTarget(prom('1 - job:http_server_error_ratio:rate5m{job=~"$job"}', { legend: '{{job}}' }))
        .unit('percentunit')
        .decimals(2)
        .thresholds(steps([null, 'red'], [0.99, 'orange'], [0.999, 'green']))
        .colorMode(common.BigValueColorMode.Value)
        .span(8)
        .height(6)
        .links([linkTo('Performance & SLA', UIDS.performanceSla)]),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Active MCP sessions')
        .description('Open MCP sessions right now, per service.')
        .withTarget(prom('job:mcp_sessions_active:sum{job=~"$job"}', { legend: '{{job}}' }))
        .unit('short')
        .span(8)
        .height(6)
        .links([linkTo('Tool Monitoring', UIDS.toolMonitoring)]),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Firing alerts')
        .description('How many alerts fire now (0 when none); details in Alertmanager.')
        .withTarget(prom('count(ALERTS{alertstate="firing"}) or vector(0)', { legend: 'firing' }))
        .unit('short')
        .thresholds(steps([null, 'green'], [1, 'red']))
        .colorMode(common.BigValueColorMode.Background)
        .span(8)
        .height(6),
    )
    .withRow(new dashboard.RowBuilder('Traffic and errors'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Request Rate Timeline')
        .description('HTTP requests per second handled by each service.')
        .withTarget(
          prom('sum by (job) (job:http_server_requests:rate5m{job=~"$job"})', { legend: '{{job}}' }),
        )
        .unit('reqps')
        .span(12)
        .links([linkTo('Performance & SLA', UIDS.performanceSla)]),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Error Rate by Service')
        .description('Share of HTTP requests answered with a 5xx status, per service.')
        .withTarget(prom('job:http_server_error_ratio:rate5m{job=~"$job"}', { legend: '{{job}}' }))
        .unit('percentunit')
        .min(0)
        .span(12),
    )
    .withPanel(
      new statushistory.PanelBuilder()
        .title('User Activity Heatmap')
        .description('MCP tool calls per second for each tool over time: who uses what, and when.')
        .withTarget(
          prom('sum by (gen_ai_tool_name) (job_tool:mcp_tool_calls:rate5m{job=~"$job"})', {
            legend: '{{gen_ai_tool_name}}',
          }),
        )
        .unit('ops')
        .colorScheme(new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.ContinuousBlYlRd))
        .span(12)
        .links([linkTo('Tool Monitoring', UIDS.toolMonitoring)]),
    )
    .withPanel(
      new heatmap.PanelBuilder()
        .title('Response Time Distribution')
        .description(
          'How HTTP request durations spread across latency buckets over time (all selected services).',
        )
        .withTarget(
          prom('sum by (le) (job_le:http_server_request_duration_seconds_bucket:rate5m{job=~"$job"})', {
            legend: '{{le}}',
            format: 'heatmap',
          }),
        )
        .calculate(false)
        .yAxis(new heatmap.YAxisConfigBuilder().unit('s'))
        .span(12),
    )
    .withRow(new dashboard.RowBuilder('Latency and resources'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Response time p50 / p95 / p99')
        .description('HTTP latency percentiles per service over the last 5 minutes.')
        .withTarget(
          prom('job:http_server_request_duration_seconds:p50_5m{job=~"$job"}', { legend: '{{job}} p50' }),
        )
        .withTarget(
          prom('job:http_server_request_duration_seconds:p95_5m{job=~"$job"}', { legend: '{{job}} p95' }),
        )
        .withTarget(
          prom('job:http_server_request_duration_seconds:p99_5m{job=~"$job"}', { legend: '{{job}} p99' }),
        )
        .unit('s')
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('System resource utilization')
        .description('CPU used by each service process (1 = one full core).')
        .withTarget(
          prom('job_instance:process_cpu_seconds:rate1m{job=~"$job"}', { legend: '{{job}} {{instance}}' }),
        )
        .unit('percentunit')
        .min(0)
        .span(12)
        .links([linkTo('Basic System Metrics', UIDS.basicSystemMetrics)]),
    )
    .build();
}
