import { readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/**
 * Rotation naming: the active file keeps its name (`audit.jsonl`); a full file is renamed to the
 * next free number (`audit.1.jsonl`, `audit.2.jsonl`, …, oldest first). Rotated names never get
 * reused or shifted, so a tailer following `audit/*.jsonl` sees each file exactly once under one name.
 */
export interface AuditFileName {
  readonly stem: string;
  readonly ext: string;
}

export function splitAuditPath(activePath: string): AuditFileName {
  const ext = extname(activePath) || '.jsonl';
  const stem = basename(activePath, extname(activePath));
  return { stem, ext };
}

export function rotatedPath(activePath: string, index: number): string {
  const { stem, ext } = splitAuditPath(activePath);
  return join(dirname(activePath), `${stem}.${index}${ext}`);
}

/** Where events go when the active file cannot be written; outside `*.jsonl` so tailers skip it. */
export function spillPath(activePath: string): string {
  return `${activePath}.spill`;
}

/** Highest rotation index present next to the active file (0 when none). */
export function highestRotationIndex(activePath: string): number {
  const { stem, ext } = splitAuditPath(activePath);
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.(\\d+)${escapeRegExp(ext)}$`);
  let highest = 0;
  let names: string[] = [];
  try {
    names = readdirSync(dirname(activePath));
  } catch {
    return 0;
  }
  for (const name of names) {
    const match = pattern.exec(name);
    if (match?.[1] !== undefined) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Orders audit files the way the chain runs: per stem, rotated files by number, then the active
 * file. Shell globs sort `audit.10.jsonl` before `audit.2.jsonl`, so verify cannot trust argv order.
 */
export function sortAuditFiles(paths: readonly string[]): string[] {
  const key = (path: string): [string, number] => {
    const name = basename(path);
    const match = /^(.*)\.(\d+)(\.[^.]+)$/.exec(name);
    if (match !== null) return [join(dirname(path), `${match[1]}${match[3]}`), Number(match[2])];
    return [path, Number.POSITIVE_INFINITY];
  };
  return [...paths].sort((a, b) => {
    const [stemA, indexA] = key(a);
    const [stemB, indexB] = key(b);
    if (stemA !== stemB) return stemA < stemB ? -1 : 1;
    return indexA - indexB;
  });
}
