// Performance & SLA: are we meeting the objectives (99.9% available, p95 < 100 ms), how fast is the
// error budget burning, and how much headroom is left?
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as gauge from '@grafana/grafana-foundation-sdk/gauge';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { linkTo, newDashboard, prom, serviceVariable, steps, UIDS } from './common.ts';

function thresholdLine(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder().thresholdsStyle(
    new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
  );
}

export function performanceSla(): dashboard.Dashboard {
  return newDashboard(
    UIDS.performanceSla,
    'Performance & SLA',
    'SLO compliance (availability 99.9%, p95 latency < 100 ms), error-budget burn and capacity.',
  )
    .withVariable(serviceVariable())
    .withRow(new dashboard.RowBuilder('Objectives'))
    .withPanel(
      new gauge.PanelBuilder()
        .title('Availability Gauges')
        .description('Share of requests without a 5xx in the last 30 minutes, per service. Objective: 99.9%.')
        .withTarget(prom('job:slo_availability:ratio_rate30m{job=~"$job"}', { legend: '{{job}}' }))
        .unit('percentunit')
        .decimals(3)
        .min(0.99)
        .max(1)
        .thresholds(steps([null, 'red'], [0.999, 'green']))
        .span(12)
        .height(7),
    )
    .withPanel(
      new gauge.PanelBuilder()
        .title('Latency objective gauges')
        .description(
          'Share of requests faster than 100 ms in the last 30 minutes. Objective: 95% (p95 < 100 ms).',
        )
        .withTarget(prom('job:slo_latency:ratio_rate30m{job=~"$job"}', { legend: '{{job}}' }))
        .unit('percentunit')
        .decimals(2)
        .min(0.8)
        .max(1)
        .thresholds(steps([null, 'red'], [0.95, 'green']))
        .span(12)
        .height(7),
    )
    .withPanel(
      thresholdLine()
        .title('SLA Compliance Timeline')
        .description('Availability over rolling 30-minute windows; the dashed line is the 99.9% objective.')
        .withTarget(
          prom('job:slo_availability:ratio_rate30m{job=~"$job"}', { legend: '{{job}} availability' }),
        )
        .unit('percentunit')
        .decimals(3)
        .thresholds(steps([null, 'red'], [0.999, 'green']))
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Error budget burn rate')
        .description(
          'How many times faster than sustainable each budget burns (1 = exactly spends a 30-day budget in 30 days). Alerts fire at 14.4 (1 h) and 6 (6 h).',
        )
        .withTarget(
          prom('job:slo_availability_errors:ratio_rate1h{job=~"$job"} / 0.001', {
            legend: '{{job}} availability 1h',
          }),
        )
        .withTarget(
          prom('job:slo_latency_slow:ratio_rate1h{job=~"$job"} / 0.05', { legend: '{{job}} latency 1h' }),
        )
        .unit('short')
        .min(0)
        .span(12),
    )
    .withRow(new dashboard.RowBuilder('Performance'))
    .withPanel(
      thresholdLine()
        .title('Performance Trends')
        .description('HTTP p95 latency per service; the dashed line is the 100 ms objective.')
        .withTarget(
          prom('job:http_server_request_duration_seconds:p95_5m{job=~"$job"}', { legend: '{{job}} p95' }),
        )
        .withTarget(
          prom('job:http_server_request_duration_seconds:mean_5m{job=~"$job"}', { legend: '{{job}} mean' }),
        )
        .unit('s')
        .thresholds(steps([null, 'green'], [0.1, 'red']))
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Server span latency p95 with exemplars')
        .description(
          'p95 of server spans from the Collector span_metrics connector; each exemplar dot opens its trace in Jaeger.',
        )
        .withTarget(
          prom(
            'histogram_quantile(0.95, sum by (le, service_name) (rate(traces_span_metrics_duration_milliseconds_bucket{service_name=~"$job", span_kind="SPAN_KIND_SERVER"}[$__rate_interval])))',
            { legend: '{{service_name}}', exemplar: true },
          ),
        )
        .unit('ms')
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Slowest routes (p95)')
        .description('p95 latency per HTTP route now, slowest first: where to look when the objective slips.')
        .withTarget(
          prom('sort_desc(job_route:http_server_request_duration_seconds:p95_5m{job=~"$job"})', {
            instant: true,
          }),
        )
        .unit('s')
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Threshold Violation Alerts')
        .description(
          'Alerts pending or firing now, by name and severity (0 rows shown as a single 0 when none).',
        )
        .withTarget(prom('sum by (alertname, severity, alertstate) (ALERTS) or vector(0)', { instant: true }))
        .span(12),
    )
    .withRow(new dashboard.RowBuilder('Capacity'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Capacity Planning Metrics')
        .description('CPU seconds per request: multiply by the expected request rate to size the service.')
        .withTarget(
          prom(
            'sum by (job) (job_instance:process_cpu_seconds:rate1m{job=~"$job"}) / on (job) (job:http_server_requests:rate5m{job=~"$job"} > 0)',
            { legend: '{{job}}' },
          ),
        )
        .unit('s')
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Event loop utilization')
        .description(
          'Share of time the Node.js event loop was busy: near 1 means the service cannot take more load.',
        )
        .withTarget(
          prom('job_instance:nodejs_eventloop_utilization:ratio{job=~"$job"}', {
            legend: '{{job}} {{instance}}',
          }),
        )
        .unit('percentunit')
        .min(0)
        .max(1)
        .span(12)
        .links([linkTo('Basic System Metrics', UIDS.basicSystemMetrics)]),
    )
    .build();
}
