// `node -r @tracetail/otel/register app.js`: the CommonJS door. It loads the ESM start module via
// require(esm) (unflagged since Node 22.12). With -r only CommonJS modules can be instrumented, so
// an ES module entry point gets one warning pointing to --import.

import type * as InternalLog from './internal-log.ts';
import type * as NodeSupport from './node-support.ts';
import type * as Start from './start.ts';

const { existsSync, readFileSync } = require('node:fs') as typeof import('node:fs');
const { dirname, extname, join, resolve } = require('node:path') as typeof import('node:path');

function nearestPackageType(file: string): string | undefined {
  let dir = dirname(file);
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        return (JSON.parse(readFileSync(candidate, 'utf8')) as { type?: string }).type ?? 'commonjs';
      } catch {
        return undefined;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function entryIsEsm(): boolean {
  const main = process.argv[1];
  if (main === undefined || main === '') return false;
  const file = resolve(main);
  const ext = extname(file);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext === '.cjs' || ext === '.cts') return false;
  return nearestPackageType(file) === 'module';
}

function importFlagGiven(): boolean {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  return /--import[= ]+\S*@tracetail\/otel\/register/.test(flags);
}

let support: typeof NodeSupport | undefined;
try {
  support = require('./node-support.js') as typeof NodeSupport;
} catch {
  // A Node without require(esm) cannot load the package at all.
  process.stderr.write(
    'tracetail warn: this Node cannot load @tracetail/otel (see engines.node in its package.json); the app runs without telemetry\n',
  );
}
const unsupported = support?.unsupportedNodeReason();
if (unsupported !== undefined) support?.warnUnsupportedNode(unsupported);
else if (support !== undefined) startFromRequire();

function startFromRequire(): void {
  try {
    const { startPreload } = require('./start.js') as typeof Start;
    const state = startPreload('require');
    if (state?.sdk !== undefined && entryIsEsm() && !importFlagGiven()) {
      const { internalLog } = require('./internal-log.js') as typeof InternalLog;
      internalLog.once(
        'warn',
        'require-on-esm',
        `${process.argv[1]} is an ES module: with -r only CommonJS modules are instrumented. ` +
          'Start it with node --import @tracetail/otel/register instead',
      );
    }
  } catch {
    // Never throw into the host; startPreload reports its own failures.
  }
}
