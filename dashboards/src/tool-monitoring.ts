// Tool Monitoring: which MCP tools are called, how often they fail, how long they take, what they cost.
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {
  DATASOURCES,
  linkTo,
  multiValueVariable,
  newDashboard,
  prom,
  serviceVariable,
  steps,
  UIDS,
} from './common.ts';

const SEL = 'job=~"$job", gen_ai_tool_name=~"$tool"';

function toolVariable(): dashboard.QueryVariableBuilder {
  return multiValueVariable({
    name: 'tool',
    label: 'Tool',
    datasource: DATASOURCES.prometheus,
    query: 'label_values(tracetail_mcp_tool_calls_total{job=~"$job"}, gen_ai_tool_name)',
    allValue: '.*',
  });
}

export function toolMonitoring(): dashboard.Dashboard {
  return newDashboard(
    UIDS.toolMonitoring,
    'Tool Monitoring',
    'MCP tool performance: call rates, success, duration and cost per tool.',
  )
    .withVariable(serviceVariable('tracetail_mcp_tool_calls_total'))
    .withVariable(toolVariable())
    .withRow(new dashboard.RowBuilder('Calls'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Tool Execution Rates')
        .description('MCP tool calls per second, per tool.')
        .withTarget(
          prom(`sum by (gen_ai_tool_name) (job_tool:mcp_tool_calls:rate5m{${SEL}})`, {
            legend: '{{gen_ai_tool_name}}',
          }),
        )
        .unit('ops')
        .span(12),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .title('Success Rate by Tool')
        .description('Share of calls that ended without an error over the last 5 minutes, per tool.')
        .withTarget(
          prom(`min by (gen_ai_tool_name) (job_tool:mcp_tool_success:ratio_rate5m{${SEL}})`, {
            legend: '{{gen_ai_tool_name}}',
          }),
        )
        .unit('percentunit')
        .min(0)
        .max(1)
        .thresholds(steps([null, 'red'], [0.9, 'orange'], [0.99, 'green']))
        .orientation(common.VizOrientation.Horizontal)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Calls by outcome')
        .description(
          'Tool calls per second split into success and failure (a result with isError is a failure).',
        )
        .withTarget(
          prom(`sum by (outcome) (job_tool_outcome:mcp_tool_calls:rate5m{${SEL}})`, {
            legend: '{{outcome}}',
          }),
        )
        .unit('ops')
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .span(12),
    )
    .withPanel(
      new bargauge.PanelBuilder()
        .title('Tool Usage Rankings')
        .description('Calls per tool over the selected time range, most used first.')
        .withTarget(
          prom(
            `sort_desc(sum by (gen_ai_tool_name) (increase(tracetail_mcp_tool_calls_total{${SEL}}[$__range])))`,
            {
              legend: '{{gen_ai_tool_name}}',
              instant: true,
            },
          ),
        )
        .unit('short')
        .decimals(0)
        .orientation(common.VizOrientation.Horizontal)
        .span(12),
    )
    .withRow(new dashboard.RowBuilder('Duration'))
    .withPanel(
      new heatmap.PanelBuilder()
        .title('Execution Time Histograms')
        .description(
          'How tool call durations (mcp.server.operation.duration, tools/call) spread across buckets over time.',
        )
        .withTarget(
          prom(`sum by (le) (job_tool_le:mcp_tool_duration_seconds_bucket:rate5m{${SEL}})`, {
            legend: '{{le}}',
            format: 'heatmap',
          }),
        )
        .calculate(false)
        .yAxis(new heatmap.YAxisConfigBuilder().unit('s'))
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Tool duration p50 / p95 / p99')
        .description('Percentiles of tool call duration per tool over the last 5 minutes.')
        .withTarget(
          prom(`job_tool:mcp_tool_duration_seconds:p50_5m{${SEL}}`, { legend: '{{gen_ai_tool_name}} p50' }),
        )
        .withTarget(
          prom(`job_tool:mcp_tool_duration_seconds:p95_5m{${SEL}}`, { legend: '{{gen_ai_tool_name}} p95' }),
        )
        .withTarget(
          prom(`job_tool:mcp_tool_duration_seconds:p99_5m{${SEL}}`, { legend: '{{gen_ai_tool_name}} p99' }),
        )
        .unit('s')
        .span(12)
        .links([linkTo('Performance & SLA', UIDS.performanceSla)]),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Resource Usage per Tool')
        .description(
          'Seconds spent inside each tool per second of wall time: the average number of calls of that tool in flight, i.e. its share of the service.',
        )
        .withTarget(
          prom(`sum by (gen_ai_tool_name) (job_tool:mcp_tool_busy_seconds:rate5m{${SEL}})`, {
            legend: '{{gen_ai_tool_name}}',
          }),
        )
        .unit('short')
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('MCP operations (span metrics)')
        .description(
          'Server spans per second by operation, from the Collector span_metrics connector; dots are exemplars that open the trace in Jaeger.',
        )
        .withTarget(
          prom(
            'sum by (span_name) (rate(traces_span_metrics_calls_total{service_name=~"$job", span_kind="SPAN_KIND_SERVER"}[$__rate_interval]))',
            { legend: '{{span_name}}', exemplar: true },
          ),
        )
        .unit('ops')
        .span(12),
    )
    .withRow(new dashboard.RowBuilder('Service-defined tool metrics'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Executions by result')
        .description(
          "The service's own mcp_executions_total: command executions per second by tool and result.",
        )
        .withTarget(
          prom('sum by (tool, result) (job_tool_result:mcp_executions:rate5m{job=~"$job"})', {
            legend: '{{tool}} {{result}}',
          }),
        )
        .unit('ops')
        .span(8),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Execution p95 by tool')
        .description("95th percentile of the service's own mcp_execution_duration_seconds, per tool.")
        .withTarget(
          prom('job_tool:mcp_execution_duration_seconds:p95_5m{job=~"$job"}', { legend: '{{tool}}' }),
        )
        .unit('s')
        .span(8),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Containers running')
        .description(
          'Tool containers running now (mcp_containers_running); TooManyContainers fires above 100.',
        )
        .withTarget(prom('sum by (job) (mcp_containers_running{job=~"$job"})', { legend: '{{job}}' }))
        .unit('short')
        .thresholds(steps([null, 'green'], [80, 'orange'], [100, 'red']))
        .span(4),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Filesystem operations')
        .description('Filesystem operations per second by operation (mcp_fs_operations_total).')
        .withTarget(
          prom('sum by (operation) (job_operation:mcp_fs_operations:rate5m{job=~"$job"})', {
            legend: '{{operation}}',
          }),
        )
        .unit('ops')
        .span(4),
    )
    .build();
}
