// Helpers shared by the monitoring-config tests: run promtool/amtool (Debian's Prometheus and
// Alertmanager packages, installed by the stack launcher) and render compose/prometheus the way the
// native launcher does (mount point -> a real folder).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { obtain } from '@tracetail/stack';

export const REPO = resolve(import.meta.dirname, '../..');
export const PROMETHEUS_DIR = join(REPO, 'compose/prometheus');
export const ALERTMANAGER_DIR = join(REPO, 'compose/alertmanager');
export const PROMTOOL = '/usr/bin/promtool';
export const AMTOOL = '/usr/bin/amtool';

/** Installs the Debian packages that bring promtool and amtool (no-op when present). */
export async function obtainTools(): Promise<void> {
  await obtain(['prometheus', 'alertmanager']);
}

export interface ToolResult {
  readonly status: number | null;
  readonly output: string;
}

export function runTool(command: string, args: readonly string[], cwd = REPO): ToolResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A copy of compose/prometheus with /etc/prometheus/ pointing at the copy; removed by `cleanup`. */
export function renderPrometheusCopy(): { dir: string; config: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tracetail-prom-check-'));
  cpSync(PROMETHEUS_DIR, dir, { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, readFileSync(config, 'utf8').replaceAll('/etc/prometheus/', `${dir}/`));
  return { dir, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
