// Runs the whole test suite on the Node that the repo brings (node_modules/.bin/node, Node 24),
// whatever Node started npm. Extra arguments are passed to `node --test` (e.g. a file to run alone).
//
// The real backends are shared by the whole run: the full suite obtains them (builds and downloads
// on a fresh machine, cached after) and starts them before the first file; a partial run starts what
// its files ask for (useSharedStack). Either way this script stops every one of them at the end,
// whether the tests pass, fail, or the run is interrupted.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  defaultBackends,
  obtain,
  obtainComposeCli,
  reapOrphans,
  StackError,
  startStack,
  stopStack,
} from '../packages/stack/src/index.ts';

const root = resolve(import.meta.dirname, '..');
const bundled = resolve(root, 'node_modules/.bin/node');
const nodeBin = existsSync(bundled) ? bundled : process.execPath;

const fileArgs = process.argv.slice(2);
const fullSuite = fileArgs.length === 0;
const patterns = fullSuite ? ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'] : fileArgs;

const stackDir = mkdtempSync(join(tmpdir(), 'tracetail-test-stack-'));

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

async function prepareStack(): Promise<void> {
  // Backends a killed earlier run left behind would hold ports and memory.
  await reapOrphans();
  if (!fullSuite) return;
  const obtainStarted = Date.now();
  await obtain(defaultBackends);
  // Not a backend: the docker compose CLI that test/stack/compose.test.ts runs `config` with.
  await obtainComposeCli();
  console.log(`test: backends and the compose CLI obtained in ${seconds(obtainStarted)}`);
  const startStarted = Date.now();
  await startStack(
    stackDir,
    defaultBackends,
    process.env.TRACETAIL_STACK_PORTS === 'standard' ? 'standard' : 'auto',
  );
  console.log(`test: backends started in ${seconds(startStarted)}`);
}

let testRunner: ChildProcess | undefined;

function runTests(): Promise<number> {
  return new Promise((resolvePromise) => {
    testRunner = spawn(
      nodeBin,
      // One file at a time: two cores, and files share backends they must not race on.
      ['--test', '--test-concurrency=1', '--test-reporter=spec', ...patterns],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          TRACETAIL_STACK_DIR: stackDir,
          // Backends started during the run belong to this process: if it is killed, the next run stops them.
          TRACETAIL_STACK_OWNER: String(process.pid),
          PATH: `${resolve(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
        },
      },
    );
    testRunner.once('exit', (code, signal) => resolvePromise(code ?? (signal === null ? 1 : 130)));
  });
}

async function cleanUp(): Promise<void> {
  const stopStarted = Date.now();
  const stopped = await stopStack(stackDir);
  if (stopped.length > 0) console.log(`test: stopped ${stopped.join(', ')} in ${seconds(stopStarted)}`);
  rmSync(stackDir, { recursive: true, force: true });
  // Private instances whose test file was killed before it could stop them.
  await reapOrphans();
}

// Ctrl-C or a CI timeout: pass it on to the test runner if it is running (it ends its files), else
// stop now; either way the backends are stopped before we exit.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (testRunner !== undefined && testRunner.exitCode === null) {
      testRunner.kill(signal);
      return;
    }
    if (interrupted) return;
    interrupted = true;
    console.error(`test: ${signal}, stopping the backends`);
    void cleanUp().finally(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  await prepareStack();
  if (!interrupted) exitCode = await runTests();
} catch (error) {
  console.error(error instanceof StackError ? `test: ${error.code}: ${error.message}` : error);
} finally {
  if (!interrupted) await cleanUp();
}
if (!interrupted) process.exit(exitCode);
