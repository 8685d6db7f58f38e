// Writes every dashboard to dashboards/generated/<name>.json, the directory Grafana provisions from.
// `--check` writes nothing and exits 1 if a committed file differs from what the code builds.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDashboards } from './index.ts';

export const GENERATED_DIR = resolve(import.meta.dirname, '../generated');

export function renderDashboards(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, dashboard] of buildDashboards())
    files.set(`${name}.json`, `${JSON.stringify(dashboard, null, 2)}\n`);
  return files;
}

function main(check: boolean): number {
  const files = renderDashboards();
  if (!check) {
    mkdirSync(GENERATED_DIR, { recursive: true });
    for (const [file, text] of files) writeFileSync(join(GENERATED_DIR, file), text);
    console.log(`wrote ${files.size} dashboards to ${GENERATED_DIR}`);
    return 0;
  }
  const stale: string[] = [];
  for (const [file, text] of files) {
    let committed = '';
    try {
      committed = readFileSync(join(GENERATED_DIR, file), 'utf8');
    } catch {}
    if (committed !== text) stale.push(file);
  }
  const extra = readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.json') && !files.has(f));
  if (stale.length + extra.length === 0) return 0;
  console.error(
    `dashboards/generated is out of date (${[...stale, ...extra.map((f) => `${f} (no longer built)`)].join(', ')}): run npm run generate -w dashboards`,
  );
  return 1;
}

if (import.meta.main) process.exitCode = main(process.argv.includes('--check'));
