// Runs the whole test suite on the Node that the repo brings (node_modules/.bin/node, Node 24),
// whatever Node started npm. Extra arguments are passed to `node --test` (e.g. a file to run alone).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bundled = resolve(root, 'node_modules/.bin/node');
const nodeBin = existsSync(bundled) ? bundled : process.execPath;

const patterns = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'];

const result = spawnSync(nodeBin, ['--test', '--test-reporter=spec', ...patterns], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${resolve(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
});
process.exit(result.status ?? 1);
