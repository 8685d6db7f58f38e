// Library instrumentations are loaded when the app first requires/imports their library, not at
// start (first-use.ts): express is resolvable from the fixtures directory (it is installed in the
// workspace), so only actual use may load its instrumentation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { packageOf } from '../src/first-use.ts';
import { FIXTURES } from './helpers/app-process.ts';

function runWithDebug(args: string[]): string {
  const result = spawnSync(process.execPath, args, {
    cwd: FIXTURES,
    env: {
      PATH: process.env.PATH,
      OTEL_LOG_LEVEL: 'debug',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_TRACES_EXPORTER: 'none',
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stderr;
}

describe('instrumentations load on first use of their library', () => {
  it('names the package of a bare specifier, nothing for paths, URLs and built-ins', () => {
    assert.equal(packageOf('express'), 'express');
    assert.equal(packageOf('express/lib/router'), 'express');
    assert.equal(packageOf('@modelcontextprotocol/sdk/server/mcp.js'), '@modelcontextprotocol/sdk');
    assert.equal(packageOf('@redis/client'), '@redis/client');
    assert.equal(packageOf('@scope'), undefined);
    assert.equal(packageOf('./local.js'), undefined);
    assert.equal(packageOf('/abs/path.js'), undefined);
    assert.equal(packageOf('node:http'), undefined);
    assert.equal(packageOf('file:///app/x.mjs'), undefined);
  });

  it('a hello-world that never requires express does not load the express instrumentation', () => {
    const stderr = runWithDebug(['-r', '@tracetail/otel/register', 'hello.cjs']);
    assert.match(stderr, /instrumentation http loaded/);
    assert.doesNotMatch(stderr, /instrumentation express/);
    assert.doesNotMatch(stderr, /instrumentation pino/);
  });

  it('requiring express (CommonJS) or importing it (ESM) loads and applies its instrumentation first', () => {
    const script =
      "const e = require('express'); process.stderr.write('ROUTER ' + (e.Router.prototype.route.__wrapped === true) + '\\n');";
    const cjs = runWithDebug(['-r', '@tracetail/otel/register', '-e', script]);
    assert.match(cjs, /instrumentation express: first use of express/);
    assert.match(cjs, /ROUTER true/, 'express was patched on its first require');

    const esm = runWithDebug([
      '--import',
      '@tracetail/otel/register',
      '--input-type=module',
      '-e',
      "import express from 'express'; process.stderr.write('ROUTER ' + (express.Router.prototype.route.__wrapped === true) + '\\n');",
    ]);
    assert.match(esm, /instrumentation express: first use of express/);
    assert.match(esm, /ROUTER true/, 'express was patched on its first import');
  });
});
