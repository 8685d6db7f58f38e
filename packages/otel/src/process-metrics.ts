// Process CPU, memory and uptime, named as the Collector would export the semconv `process.*`
// metrics. Observed only when scraped/collected, so they cost nothing between scrapes.
import type { Meter } from '@opentelemetry/api';

export function registerProcessMetrics(meter: Meter): void {
  const cpu = meter.createObservableCounter('process_cpu_time_seconds', {
    description: 'CPU time used by the process, by mode.',
    unit: 's',
  });
  const memory = meter.createObservableGauge('process_memory_usage_bytes', {
    description: 'Resident set size of the process.',
    unit: 'By',
  });
  const uptime = meter.createObservableGauge('process_uptime_seconds', {
    description: 'Time since the process started.',
    unit: 's',
  });
  meter.addBatchObservableCallback(
    (result) => {
      const usage = process.cpuUsage();
      result.observe(cpu, usage.user / 1e6, { 'cpu.mode': 'user' });
      result.observe(cpu, usage.system / 1e6, { 'cpu.mode': 'system' });
      result.observe(memory, process.memoryUsage.rss());
      result.observe(uptime, process.uptime());
    },
    [cpu, memory, uptime],
  );
}
