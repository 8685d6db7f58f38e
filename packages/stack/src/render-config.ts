import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { StackConfigError } from './errors.ts';

export type Replacements = ReadonlyArray<readonly [string, string]>;

const composeAddress =
  /^(?!\s*#).*?\b((?:collector|jaeger|loki|prometheus|alertmanager|elasticsearch|grafana):\d+)/m;

function replaceAll(text: string, replacements: Replacements): string {
  // One pass over all tokens, so a replacement's output is never replaced again (9093 -> 19093 -> …).
  const tokens = replacements.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (tokens.length === 0) return text;
  const lookup = new Map(replacements);
  return text.replace(new RegExp(tokens.join('|'), 'g'), (token) => lookup.get(token) ?? token);
}

/**
 * Prometheus and Alertmanager cannot expand environment variables in their config, so their files are
 * written for Compose and the native launcher replaces exact tokens in a copy: `<service>:<container
 * port>` with `127.0.0.1:<native port>`, a container mount point with the copy's folder, and (for
 * instances off the standard ports) `127.0.0.1:<standard port>` with the port really used. A
 * Compose service address left in the main file is an error: nobody would scrape or alert it.
 */
export function renderComposeDir(
  sourceDir: string,
  targetDir: string,
  mainFile: string,
  replacements: Replacements,
): string {
  cpSync(sourceDir, targetDir, {
    recursive: true,
    filter: (source) => !relative(sourceDir, source).startsWith('tests'),
  });
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry))
        writeFileSync(path, replaceAll(readFileSync(path, 'utf8'), replacements));
    }
  };
  walk(targetDir);
  const main = join(targetDir, mainFile);
  const leftover = composeAddress.exec(readFileSync(main, 'utf8'));
  if (leftover !== null) {
    throw new StackConfigError(
      `${join(sourceDir, mainFile)}: "${leftover[1]}" has no native address. Use one of the Compose service ` +
        `addresses the launcher knows: ${replacements
          .map(([from]) => from)
          .filter((from) => /^[a-z]+:\d+$/.test(from))
          .join(', ')}.`,
    );
  }
  return main;
}
