// Every tracetail dashboard, keyed by the file name it is generated to (dashboards/generated/<name>.json).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { basicSystemMetrics } from './basic-system-metrics.ts';
import { logsAudit } from './logs-audit.ts';
import { performanceSla } from './performance-sla.ts';
import { pipelineHealth } from './pipeline-health.ts';
import { assignRefIds } from './queries.ts';
import { systemOverview } from './system-overview.ts';
import { toolMonitoring } from './tool-monitoring.ts';

export { DATASOURCES, UIDS } from './common.ts';
export {
  type Interpolation,
  interpolate,
  type PanelQuery,
  panelQueries,
  type QueryLanguage,
} from './queries.ts';

const BUILDERS: Readonly<Record<string, () => Dashboard>> = {
  'system-overview': systemOverview,
  'tool-monitoring': toolMonitoring,
  'performance-sla': performanceSla,
  'basic-system-metrics': basicSystemMetrics,
  'logs-audit': logsAudit,
  'pipeline-health': pipelineHealth,
};

/** Builds every dashboard: file name (without .json) → dashboard model. */
export function buildDashboards(): Map<string, Dashboard> {
  return new Map(Object.entries(BUILDERS).map(([name, build]) => [name, assignRefIds(build())]));
}
