// Pipeline Health: is telemetry getting through? Collector intake and losses, tailer throughput, lag and
// failures per sink, Loki and Elasticsearch ingestion, and the audit lane.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCES, esCount, newDashboard, prom, serviceVariable, steps, UIDS } from './common.ts';

/**
 * One Collector counter per signal: rate() over several metric names at once collides on equal labels.
 * The Collector's own telemetry (0.159) writes counters without `_total`; the regex accepts both.
 */
function signalRate(counter: string, by: string, signal: string): string {
  return `sum by (${by}) (rate({__name__=~"otelcol_${counter}_${signal}(_total)?"}[$__rate_interval]))`;
}

function rate(title: string, description: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder().title(title).description(description).min(0).span(8);
}

export function pipelineHealth(): dashboard.Dashboard {
  return (
    newDashboard(
      UIDS.pipelineHealth,
      'Pipeline Health',
      'Collector, tailer, Loki and Elasticsearch ingestion: what arrives, what is late, what is lost.',
    )
      // Selects the services whose audit lane the bottom row follows; the pipeline rows show every component.
      .withVariable(serviceVariable('tracetail_audit_events_total'))
      .withRow(new dashboard.RowBuilder('Collector'))
      .withPanel(
        rate(
          'Collector accepted items',
          'Spans, metric points and log records the Collector receivers accepted per second.',
        )
          .withTarget(
            prom(signalRate('receiver_accepted', 'receiver', 'spans'), { legend: '{{receiver}} spans' }),
          )
          .withTarget(
            prom(signalRate('receiver_accepted', 'receiver', 'metric_points'), {
              legend: '{{receiver}} points',
            }),
          )
          .withTarget(
            prom(signalRate('receiver_accepted', 'receiver', 'log_records'), { legend: '{{receiver}} logs' }),
          )
          .unit('short'),
      )
      .withPanel(
        rate('Collector exported items', 'Items each Collector exporter sent successfully per second.')
          .withTarget(
            prom(signalRate('exporter_sent', 'exporter', 'spans'), { legend: '{{exporter}} spans' }),
          )
          .withTarget(
            prom(signalRate('exporter_sent', 'exporter', 'metric_points'), { legend: '{{exporter}} points' }),
          )
          .withTarget(
            prom(signalRate('exporter_sent', 'exporter', 'log_records'), { legend: '{{exporter}} logs' }),
          )
          .unit('short'),
      )
      .withPanel(
        rate(
          'Collector lost items',
          'Items refused by receivers or failed/unqueued at exporters per second (0 when nothing is lost). CollectorDroppingData fires above 0 for 5 minutes.',
        )
          .withTarget(prom('sum(job:otelcol_lost_items:rate5m) or vector(0)', { legend: 'lost' }))
          .unit('short')
          .thresholds(steps([null, 'green'], [0.000001, 'red'])),
      )
      .withRow(new dashboard.RowBuilder('Tailer'))
      .withPanel(
        rate(
          'Lines read and shipped',
          'Lines the tailer read from files, and lines each sink acknowledged, per second.',
        )
          .withTarget(
            prom('sum(rate(tracetail_tailer_lines_read_total[$__rate_interval]))', { legend: 'read' }),
          )
          .withTarget(prom('sink:tracetail_tailer_lines_shipped:rate5m', { legend: 'shipped → {{sink}}' }))
          .unit('short'),
      )
      .withPanel(
        rate(
          'Failed and dead-lettered lines',
          'Lines a sink rejected per second, and lines written to the dead-letter file in the last 10 minutes (0 when healthy).',
        )
          .withTarget(
            prom('sink:tracetail_tailer_lines_failed:rate5m or vector(0)', { legend: 'failed/s {{sink}}' }),
          )
          .withTarget(
            prom('sink:tracetail_tailer_lines_dead_lettered:increase10m or vector(0)', {
              legend: 'dead-lettered (10m) {{sink}}',
            }),
          )
          .unit('short'),
      )
      .withPanel(
        rate(
          'Tailer lag',
          'Seconds since the oldest unacknowledged line of each file was read. TailerLagHigh fires above 60 s.',
        )
          .withTarget(prom('max by (path) (tracetail_tailer_lag_seconds)', { legend: '{{path}}' }))
          .unit('s')
          .thresholds(steps([null, 'green'], [60, 'red'])),
      )
      .withPanel(
        rate(
          'Batch latency p95 by sink',
          'Time from a batch being sealed to its acknowledgement, 95th percentile, per sink.',
        )
          .withTarget(prom('sink:tracetail_tailer_batch_latency_seconds:p95_5m', { legend: '{{sink}}' }))
          .unit('s'),
      )
      .withPanel(
        rate(
          'Unshipped bytes',
          'Bytes read but not yet acknowledged by every sink, and bytes on disk not yet read, per file.',
        )
          .withTarget(prom('sum(tracetail_tailer_buffered_bytes)', { legend: 'buffered in memory' }))
          .withTarget(prom('sum by (path) (tracetail_tailer_lag_bytes)', { legend: 'on disk {{path}}' }))
          .unit('bytes'),
      )
      .withPanel(
        new stat.PanelBuilder()
          .title('Open files and retries')
          .description('Files the tailer holds open now, and retried sink requests over the selected range.')
          .withTarget(prom('sum(tracetail_tailer_open_files)', { legend: 'open files' }))
          .withTarget(
            prom('sum(increase(tracetail_tailer_retries_total[$__range])) or vector(0)', {
              legend: 'retries',
              instant: true,
            }),
          )
          .colorMode(common.BigValueColorMode.None)
          .unit('short')
          .span(8),
      )
      .withRow(new dashboard.RowBuilder('Backends'))
      .withPanel(
        rate('Loki ingestion', 'Log lines per second Loki distributors received (all tenants).')
          .withTarget(prom('sum(job:loki_distributor_lines_received:rate5m)', { legend: 'lines/s' }))
          .unit('short'),
      )
      .withPanel(
        rate('Loki ingestion bytes', 'Log bytes per second Loki distributors received.')
          .withTarget(prom('sum(job:loki_distributor_bytes_received:rate5m)', { legend: 'bytes/s' }))
          .unit('Bps'),
      )
      .withPanel(
        rate('Elasticsearch ingestion', 'Documents indexed over time in tracetail-logs-* (application lane).')
          .withTarget(esCount(DATASOURCES.esLogs, '*'))
          .drawStyle(common.GraphDrawStyle.Bars)
          .unit('short'),
      )
      .withRow(new dashboard.RowBuilder('Audit lane'))
      .withPanel(
        rate(
          'Audit events recorded',
          'Audit events the preload recorded per second (tracetail_audit_events_total).',
        )
          .withTarget(
            prom('sum by (job) (rate(tracetail_audit_events_total{job=~"$job"}[$__rate_interval]))', {
              legend: '{{job}}',
            }),
          )
          .unit('short'),
      )
      .withPanel(
        rate('Audit documents indexed', 'Audit documents indexed over time in tracetail-audit-*.')
          .withTarget(esCount(DATASOURCES.esAudit, '*'))
          .drawStyle(common.GraphDrawStyle.Bars)
          .unit('short'),
      )
      .withPanel(
        rate(
          'Audit events dropped or spilled',
          'Audit events the preload dropped (queue full) or spilled to its overflow file (0 when healthy).',
        )
          .withTarget(
            prom(
              'sum by (job) (rate(tracetail_audit_dropped_total{job=~"$job"}[$__rate_interval])) or vector(0)',
              {
                legend: 'dropped {{job}}',
              },
            ),
          )
          .withTarget(
            prom(
              'sum by (job) (rate(tracetail_audit_spilled_total{job=~"$job"}[$__rate_interval])) or vector(0)',
              {
                legend: 'spilled {{job}}',
              },
            ),
          )
          .unit('short'),
      )
      .build()
  );
}
