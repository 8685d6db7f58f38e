// --dry-run reads the files once and prints, per sink, exactly what would be sent; it sends nothing
// and writes no checkpoint.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { nodeRuntimes } from '../../stack/src/index.ts';
import { tempDir } from './helpers.ts';

// On the current Node (from the TypeScript source) and on the oldest Node engines.node accepts (from
// dist/, as the published bin runs).
for (const runtime of await nodeRuntimes(resolve(import.meta.dirname, '../package.json')))
  test(`--dry-run prints the Loki entries and Elasticsearch documents each line would become, on ${runtime.label}`, () => {
    const dir = tempDir('tailer-dry-run-');
    mkdirSync(join(dir, 'audit'));
    const line = JSON.stringify({
      timestamp: '2026-03-04T05:06:07.123456Z',
      'event.action': 'user.login',
      correlation_id: 'c-1',
      trace_id: 'ab'.repeat(16),
      'service.name': 'auth',
    });
    writeFileSync(join(dir, 'audit/audit.jsonl'), `${line}\n\nnot json\n`);
    writeFileSync(
      join(dir, 'tailer.yaml'),
      [
        'inputs:',
        '  - {name: audit, paths: ["audit/*.jsonl"], stream: audit, labels: {env: test}}',
        'sinks:',
        '  loki: {url: "http://127.0.0.1:1"}',
        '  elasticsearch: {url: "http://127.0.0.1:1"}',
        'checkpoint: {path: state/positions.json}',
      ].join('\n'),
    );
    const cli = resolve(import.meta.dirname, runtime.current ? '../src/cli.ts' : '../dist/cli.js');
    const result = spawnSync(runtime.binary, [cli, '--config', join(dir, 'tailer.yaml'), '--dry-run'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const out = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const loki = out.filter((o) => o.sink === 'loki');
    const es = out.filter((o) => o.sink === 'elasticsearch');
    assert.equal(loki.length, 2, 'the empty line is skipped');
    assert.equal(loki[0].labels, '{env="test", level="info", service_name="auth", stream="audit"}');
    assert.equal(loki[0].timestamp, `${Date.parse('2026-03-04T05:06:07Z') + 123}456000`);
    assert.equal(loki[0].line, line);
    assert.deepEqual(loki[0].structuredMetadata, {
      trace_id: 'ab'.repeat(16),
      correlation_id: 'c-1',
      event_action: 'user.login',
    });
    assert.equal(loki[1].structuredMetadata.tracetail_flags, 'not_json,read_time');
    assert.equal(es[0].index, 'tracetail-audit-2026.03.04');
    assert.match(es[0]._id, /^\d+-\d+-[0-9a-f]{16}-0$/);
    assert.equal(es[0].document['@timestamp'], '2026-03-04T05:06:07.123456Z');
    assert.equal(es[0].document['trace.id'], 'ab'.repeat(16));
    assert.equal(es[0].document['event.action'], 'user.login');
    assert.equal(es[1].document.message, 'not json');
    assert.ok(!existsSync(join(dir, 'state/positions.json')), 'no checkpoint in a dry run');
  });
