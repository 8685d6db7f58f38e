// Basic System Metrics: CPU, memory, disk, network and process status for services and backends.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as statushistory from '@grafana/grafana-foundation-sdk/statushistory';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { instanceVariable, newDashboard, prom, serviceVariable, steps, UIDS } from './common.ts';

const SEL = 'job=~"$job", instance=~"$instance"';

export function basicSystemMetrics(): dashboard.Dashboard {
  return newDashboard(
    UIDS.basicSystemMetrics,
    'Basic System Metrics',
    'Resource use of every process Prometheus scrapes: services under the preload and the pipeline backends.',
  )
    .withVariable(serviceVariable('up'))
    .withVariable(instanceVariable())
    .withRow(new dashboard.RowBuilder('CPU and memory'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('CPU Usage by Service')
        .description(
          'CPU seconds used per second by each process (100% = one full core). HighCPUUsage fires above 80%.',
        )
        .withTarget(
          prom(`job_instance:process_cpu_seconds:rate1m{${SEL}}`, { legend: '{{job}} {{instance}}' }),
        )
        .unit('percentunit')
        .min(0)
        .thresholds(steps([null, 'green'], [0.8, 'red']))
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Memory Usage Timeline')
        .description('Resident memory of each process. HighMemoryUsage fires above 1 GB.')
        .withTarget(
          prom(`job_instance:process_resident_memory:bytes{${SEL}}`, { legend: '{{job}} {{instance}}' }),
        )
        .unit('bytes')
        .min(0)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('V8 heap used')
        .description(
          'JavaScript heap in use per Node.js process (all heap spaces). HeapNearLimit fires at 90% of the limit.',
        )
        .withTarget(prom(`job_instance:v8js_heap_used:bytes{${SEL}}`, { legend: '{{job}} {{instance}}' }))
        .unit('bytes')
        .min(0)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Event loop delay p99')
        .description(
          '99th percentile of event loop delay: how long callbacks waited for the loop in each Node.js process.',
        )
        .withTarget(
          prom(`job_instance:nodejs_eventloop_delay_p99:seconds{${SEL}}`, { legend: '{{job}} {{instance}}' }),
        )
        .unit('s')
        .min(0)
        .span(12),
    )
    .withRow(new dashboard.RowBuilder('Disk and network'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Disk Space Monitoring')
        .description(
          'Disk held by the pipeline: Prometheus TSDB (WAL, head chunks, blocks) and log bytes written but not yet shipped by the tailer.',
        )
        .withTarget(
          prom(
            'sum by (job) ({__name__=~"prometheus_tsdb_(wal_storage_size|head_chunks_storage_size|storage_blocks)_bytes", job=~"$job"})',
            { legend: '{{job}} TSDB' },
          ),
        )
        .withTarget(
          prom('sum by (job) (tracetail_tailer_lag_bytes{job=~"$job"})', {
            legend: '{{job}} unshipped logs',
          }),
        )
        .unit('bytes')
        .min(0)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Network Traffic Graphs')
        .description(
          'Bytes per second received by each Go backend process (Loki, Collector, Jaeger…) and log bytes the tailer sends per sink.',
        )
        .withTarget(
          prom(`sum by (job) (rate(process_network_receive_bytes_total{${SEL}}[$__rate_interval]))`, {
            legend: '{{job}} received',
          }),
        )
        .withTarget(
          prom('sum by (sink) (rate(tracetail_tailer_bytes_shipped_total{job=~"$job"}[$__rate_interval]))', {
            legend: 'tailer → {{sink}}',
          }),
        )
        .unit('Bps')
        .min(0)
        .span(12),
    )
    .withPanel(
      new statushistory.PanelBuilder()
        .title('Container Status Grid')
        .description(
          'Up/down history of every scraped process, one row per target (tool containers are on Tool Monitoring).',
        )
        .withTarget(prom(`max by (job, instance) (up{${SEL}})`, { legend: '{{job}} {{instance}}' }))
        .mappings([
          {
            type: dashboard.MappingType.ValueToText,
            options: {
              '0': { text: 'DOWN', color: 'red', index: 0 },
              '1': { text: 'UP', color: 'green', index: 1 },
            },
          },
        ])
        .span(24),
    )
    .build();
}
