// Reads the queries back out of built dashboards, so tests can parse and run every one of them against
// the real backends, and substitutes Grafana's template variables the way Grafana would.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

export type QueryLanguage = 'promql' | 'logql' | 'elasticsearch';

export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly language: QueryLanguage;
  /** PromQL or LogQL, or the Lucene query string for Elasticsearch. */
  readonly expr: string;
  readonly instant: boolean;
  readonly datasourceUid: string;
  /** Elasticsearch only: the metric and bucket aggregations of the target. */
  readonly metrics?: readonly Record<string, unknown>[];
  readonly bucketAggs?: readonly Record<string, unknown>[];
}

interface RawTarget {
  refId?: string;
  datasource?: { type?: string; uid?: string };
  expr?: string;
  query?: string;
  instant?: boolean;
  queryType?: string;
  metrics?: Record<string, unknown>[];
  bucketAggs?: Record<string, unknown>[];
}

interface RawPanel {
  title?: string;
  type?: string;
  targets?: RawTarget[];
  panels?: RawPanel[];
}

function panelsOf(dashboard: Dashboard): RawPanel[] {
  const out: RawPanel[] = [];
  for (const panel of (dashboard.panels ?? []) as RawPanel[]) {
    out.push(panel);
    if (panel.type === 'row' && Array.isArray(panel.panels)) out.push(...panel.panels);
  }
  return out;
}

/** Gives every target a refId (A, B, …) as Grafana would on save, so the JSON is stable. */
export function assignRefIds(dashboard: Dashboard): Dashboard {
  for (const panel of panelsOf(dashboard)) {
    (panel.targets ?? []).forEach((target, i) => {
      target.refId ??= String.fromCharCode(65 + i);
    });
  }
  return dashboard;
}

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const panel of panelsOf(dashboard)) {
    for (const target of panel.targets ?? []) {
      const type = target.datasource?.type;
      const base = {
        dashboard: dashboard.uid ?? dashboard.title ?? '',
        panel: panel.title ?? '(untitled)',
        refId: target.refId ?? '?',
        datasourceUid: target.datasource?.uid ?? '',
      };
      if (type === 'prometheus' || type === 'loki') {
        out.push({
          ...base,
          language: type === 'prometheus' ? 'promql' : 'logql',
          expr: target.expr ?? '',
          instant: target.instant === true || target.queryType === 'instant',
        });
      } else if (type === 'elasticsearch') {
        out.push({
          ...base,
          language: 'elasticsearch',
          expr: target.query ?? '*',
          instant: false,
          metrics: target.metrics ?? [],
          bucketAggs: target.bucketAggs ?? [],
        });
      } else {
        throw new Error(
          `dashboard ${base.dashboard}, panel "${base.panel}": target without a known datasource (${type})`,
        );
      }
    }
  }
  return out;
}

/** Values for Grafana's template variables; `$__range` etc. are filled from `rangeSeconds`. */
export interface Interpolation {
  readonly variables: Readonly<Record<string, string>>;
  readonly rangeSeconds: number;
  /** $__interval / $__rate_interval / $__auto, e.g. '1m'. */
  readonly step: string;
}

function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

function escapeLucene(value: string): string {
  return value.replace(/[+\-=&|><!(){}[\]^"~*?:\\/ ]/g, '\\$&');
}

/**
 * Substitutes `$name`, `${name}`, `${name:regex}`, `${name:lucene}` and the built-ins. The value of a
 * variable is used as is for plain references (as an "All" value would be) and escaped for the formats.
 */
export function interpolate(text: string, { variables, rangeSeconds, step }: Interpolation): string {
  const builtins: Record<string, string> = {
    __range: `${rangeSeconds}s`,
    __rate_interval: step,
    __interval: step,
    __auto: step,
  };
  return text.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (match, braced?: string, format?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      if (name in builtins) return builtins[name]!;
      const value = variables[name];
      if (value === undefined) return match;
      if (format === 'regex') return escapeRegex(value);
      if (format === 'lucene') return value === '' ? '' : escapeLucene(value);
      if (format === 'queryparam') return `var-${name}=${encodeURIComponent(value)}`;
      return value;
    },
  );
}
