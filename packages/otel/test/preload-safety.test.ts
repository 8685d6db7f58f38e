// Start-up safety in real processes: bad configuration, the preload given twice, ESM under -r,
// worker threads, excluded commands and the kill switch.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { obtainNodeRuntime, minimumNodeVersion as stackMinimum } from '../../stack/src/index.ts';
import { minimumNodeVersion, unsupportedNodeReason } from '../src/node-support.ts';
import { FIXTURES, getText, startApp } from './helpers/app-process.ts';
import { parsePrometheusText } from './helpers/prometheus-text.ts';

/** A Node release below engines.node (it has require(esm), so the version check itself runs). */
const OLD_NODE = '20.19.0';

function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('tracetail warn:'));
}

describe('preload safety', () => {
  it('a bad env value yields one clear warning and a working app', async () => {
    const app = await startApp({
      file: 'plain.cjs',
      preload: '-r',
      env: {
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        TRACETAIL_SHUTDOWN_TIMEOUT: '500',
      },
    });
    try {
      assert.equal((await getText(`http://127.0.0.1:${app.port}/`)).status, 200);
      const relevant = warnings(app.stderr()).filter((line) => line.includes('OTEL_TRACES_SAMPLER'));
      assert.equal(relevant.length, 1, app.stderr());
      assert.match(
        relevant[0]!,
        /OTEL_TRACES_SAMPLER="sometimes" is not valid; accepted: always_on, always_off, traceidratio/,
      );
      assert.match(relevant[0]!, /Using parentbased_always_on\./);
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('a bad port falls back to the default with a warning naming the variable and range', async () => {
    const app = await startApp({
      file: 'plain.cjs',
      preload: '-r',
      env: {
        OTEL_EXPORTER_PROMETHEUS_PORT: 'ninety',
        TRACETAIL_SHUTDOWN_TIMEOUT: '-5',
        OTEL_TRACES_EXPORTER: 'none',
      },
      waitForMetrics: false,
    });
    try {
      assert.equal((await getText(`http://127.0.0.1:${app.port}/`)).status, 200);
      const lines = warnings(app.stderr());
      assert.ok(
        lines.some((l) =>
          /OTEL_EXPORTER_PROMETHEUS_PORT="ninety" is not valid; accepted: an integer from 0 to 65535\. Using 9464\./.test(
            l,
          ),
        ),
      );
      assert.ok(
        lines.some((l) =>
          /TRACETAIL_SHUTDOWN_TIMEOUT="-5" is not valid; accepted: an integer from 100 to 120000 ms\. Using 5000 ms\./.test(
            l,
          ),
        ),
      );
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('headers with secrets are never echoed in warnings', async () => {
    const app = await startApp({
      file: 'plain.cjs',
      preload: '-r',
      env: { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20top-secret,broken' },
    });
    try {
      assert.ok(warnings(app.stderr()).some((l) => l.includes('OTEL_EXPORTER_OTLP_HEADERS=<value hidden>')));
      assert.ok(!app.stderr().includes('top-secret'));
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('loading the preload twice (-r and --import) starts it once', async () => {
    const app = await startApp({
      file: 'plain.cjs',
      preload: '-r',
      env: { NODE_OPTIONS: '--import @tracetail/otel/register', OTEL_LOG_LEVEL: 'debug' },
    });
    try {
      const starts = app.stderr().match(/metrics on http:/g) ?? [];
      assert.equal(starts.length, 1, app.stderr());
      assert.match(app.stderr(), /already started via require; ignoring import/);
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('warns once that an ES module entry needs --import when started with -r', async () => {
    const app = await startApp({ file: 'esm-plain.mjs', preload: '-r' });
    try {
      const lines = warnings(app.stderr()).filter((l) => l.includes('--import'));
      assert.equal(lines.length, 1, app.stderr());
      assert.match(lines[0]!, /is an ES module: with -r only CommonJS modules are instrumented/);
    } finally {
      app.kill();
      await app.exited();
    }
    const viaImport = await startApp({ file: 'esm-plain.mjs', preload: '--import' });
    try {
      assert.equal(warnings(viaImport.stderr()).length, 0, viaImport.stderr());
    } finally {
      viaImport.kill();
      await viaImport.exited();
    }
  });

  it('does not instrument worker threads a second time', async () => {
    const app = await startApp({ file: 'worker.cjs', preload: '-r', env: { OTEL_LOG_LEVEL: 'debug' } });
    try {
      assert.match(app.stderr(), /WORKER STARTED/);
      assert.match(app.stderr(), /not instrumenting this process: worker thread/);
      assert.equal((app.stderr().match(/metrics on http:/g) ?? []).length, 1);
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('stays inactive in excluded commands (npm, npx, … inheriting NODE_OPTIONS)', async () => {
    try {
      // A script named like npm's entry point, started from the fixtures folder so the preload resolves.
      copyFileSync(join(FIXTURES, 'plain.cjs'), join(FIXTURES, 'npm-cli.cjs'));
      const app = await startApp({
        file: 'npm-cli.cjs',
        preload: '-r',
        env: { OTEL_LOG_LEVEL: 'debug' },
        waitForMetrics: false,
      });
      try {
        assert.match(
          app.stderr(),
          /not instrumenting this process: command "npm" is in TRACETAIL_EXCLUDE_COMMANDS/,
        );
        assert.doesNotMatch(app.stderr(), /metrics on http:/);
      } finally {
        app.kill();
        await app.exited();
      }
    } finally {
      rmSync(join(FIXTURES, 'npm-cli.cjs'), { force: true });
    }
  });

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS turns one off and names unknown ones', async () => {
    const app = await startApp({
      file: 'service.cjs',
      preload: '-r',
      env: {
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express,expres',
        OTEL_LOG_LEVEL: 'debug',
        OTEL_TRACES_EXPORTER: 'none',
      },
    });
    try {
      assert.equal((await getText(`http://127.0.0.1:${app.port}/users/1`)).status, 200);
      assert.match(
        app.stderr(),
        /OTEL_NODE_DISABLED_INSTRUMENTATIONS names unknown instrumentation\(s\) expres; accepted: http, undici, express/,
      );
      assert.match(app.stderr(), /skipped: [^\n]*express \(disabled-by-env\)/);
      const { body } = await getText(`http://127.0.0.1:${app.metricsPort}/metrics`);
      assert.ok(body.includes('http_server_request_duration_seconds_count'), 'http still measured');
      assert.ok(
        !body.includes('http_route="/users/:id"'),
        'no express route without the express instrumentation',
      );
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('bounds the span queue and counts what it drops on /metrics', async () => {
    const app = await startApp({
      file: 'plain.cjs',
      preload: '-r',
      env: {
        OTEL_BSP_MAX_QUEUE_SIZE: '2',
        OTEL_BSP_SCHEDULE_DELAY: '60000',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        TRACETAIL_SHUTDOWN_TIMEOUT: '300',
      },
    });
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => getText(`http://127.0.0.1:${app.port}/q${i}`)));
      const samples = parsePrometheusText(
        (await getText(`http://127.0.0.1:${app.metricsPort}/metrics`)).body,
      );
      const capacity = samples.find((s) => s.name === 'otel_sdk_processor_span_queue_capacity');
      assert.equal(capacity?.value, 2);
      const dropped = samples.find(
        (s) => s.name === 'otel_sdk_processor_span_processed_total' && s.labels.error_type === 'queue_full',
      );
      assert.ok(dropped && dropped.value >= 1, 'drops are counted');
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('OTEL_SDK_DISABLED=true turns the preload off', async () => {
    const app = await startApp({
      file: 'plain.cjs',
      preload: '--import',
      env: { OTEL_SDK_DISABLED: 'true', OTEL_LOG_LEVEL: 'debug' },
      waitForMetrics: false,
    });
    try {
      assert.equal((await getText(`http://127.0.0.1:${app.port}/`)).status, 200);
      assert.match(app.stderr(), /not instrumenting this process: OTEL_SDK_DISABLED=true/);
      assert.doesNotMatch(app.stderr(), /metrics on http:/);
    } finally {
      app.kill();
      await app.exited();
    }
  });

  it('on a Node older than engines.node: one warning, the app runs untouched and exits as it would', async () => {
    const oldNode = await obtainNodeRuntime(OLD_NODE);
    const cases = [
      ['-r', '@tracetail/otel/register', '-e'],
      ['--import', '@tracetail/otel/register', '--input-type=module', '-e'],
    ];
    for (const args of cases) {
      const result = spawnSync(oldNode, [...args, "console.log('app ran'); process.exitCode = 7"], {
        cwd: FIXTURES,
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(result.status, 7, `${args[0]}: exit code kept; stderr: ${result.stderr}`);
      assert.equal(result.stdout, 'app ran\n');
      assert.deepEqual(warnings(result.stderr), [
        `tracetail warn: Node v${OLD_NODE} is older than v${minimumNodeVersion}, the oldest @tracetail/otel supports; the app runs without telemetry (upgrade Node to enable it)`,
      ]);
      assert.equal(result.stderr.trim().split('\n').length, 1, `${args[0]}: nothing else on stderr`);
    }
  });

  it('the version check agrees with engines.node and compares numerically', () => {
    const engines = (
      JSON.parse(readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8')) as {
        engines: { node: string };
      }
    ).engines.node;
    assert.equal(minimumNodeVersion, stackMinimum(engines));
    assert.match(unsupportedNodeReason('22.14.9') ?? '', /Node v22\.14\.9 is older than v22\.15\.0/);
    assert.ok(unsupportedNodeReason('20.19.0') !== undefined);
    assert.ok(unsupportedNodeReason('8.100.100') !== undefined);
    assert.equal(unsupportedNodeReason('22.15.0'), undefined);
    assert.equal(unsupportedNodeReason('22.100.0'), undefined);
    assert.equal(unsupportedNodeReason('24.0.0'), undefined);
  });
});
