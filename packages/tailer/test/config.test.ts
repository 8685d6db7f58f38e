import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { nearestKey, parseConfig } from '../src/config/load.ts';
import { tempDir } from './helpers.ts';

/** The literal `${LOKI_PASSWORD}` reference a config file would contain. */
const passwordRef = ['$', '{LOKI_PASSWORD}'].join('');

import { ConfigErrors } from '../src/errors.ts';

const minimal = () => ({
  inputs: [{ name: 'app', paths: ['logs/*.log'] }],
  sinks: { loki: { url: 'http://127.0.0.1:3100' } },
  checkpoint: { path: 'state/positions.json' },
});

function errorsOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(raw, '/srv', env);
  } catch (error) {
    assert.ok(error instanceof ConfigErrors);
    return error.errors.map((e) => e.message);
  }
  assert.fail('expected a config error');
}

test('a valid config gets its defaults, absolute paths, and is frozen', () => {
  const config = parseConfig(minimal(), '/srv', {});
  assert.equal(config.reader.maxLineBytes, 262_144);
  assert.equal(config.sinks.loki?.encoding, 'protobuf');
  assert.deepEqual(config.inputs[0]?.paths, ['/srv/logs/*.log']);
  assert.equal(config.deadLetter.path, '/srv/state/dead-letter.jsonl');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.reader));
});

test('each kind of config error names the key path and the fix, one line each', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...minimal(), readr: {} }, /^readr: unknown key; did you mean "reader"\?$/],
    [
      { ...minimal(), sinks: { loki: { urll: 'http://x' } } },
      /^sinks\.loki\.urll: unknown key; did you mean "url"\?$/,
    ],
    [{ ...minimal(), checkpoint: {} }, /^checkpoint\.path: is required; add it$/],
    [
      { ...minimal(), sinks: { loki: { url: 'http://x', encoding: 'xml' } } },
      /^sinks\.loki\.encoding: must be one of "protobuf", "json"$/,
    ],
    [{ ...minimal(), reader: { maxLineBytes: 'big' } }, /^reader\.maxLineBytes: must be of type integer$/],
    [{ ...minimal(), sinks: { loki: { url: 'loki:3100' } } }, /^sinks\.loki\.url: must match/],
    [
      { ...minimal(), inputs: [{ name: 'a', paths: ['x'], labels: { 'bad-name': 'v' } }] },
      /^inputs\[0\]\.labels\.bad-name: invalid label name/,
    ],
    [
      { ...minimal(), sinks: { loki: { url: 'http://x', auth: { password: passwordRef } } } },
      /^sinks\.loki\.auth\.password: environment variable LOKI_PASSWORD is not set/,
    ],
    [
      { ...minimal(), sinks: { loki: { url: 'http://x', auth: { username: 'u' } } } },
      /^sinks\.loki\.auth: basic auth needs both username and password$/,
    ],
    [
      {
        ...minimal(),
        inputs: [
          { name: 'a', paths: ['x'] },
          { name: 'a', paths: ['y'] },
        ],
      },
      /^inputs\[1\]\.name: duplicate input name/,
    ],
  ];
  for (const [raw, expected] of cases) {
    const messages = errorsOf(raw);
    assert.ok(
      messages.some((m) => expected.test(m)),
      `${expected} not in ${JSON.stringify(messages)}`,
    );
    for (const m of messages) assert.ok(!m.includes('\n'));
  }
});

test('an env reference in a value takes the secret from the environment', () => {
  const raw = {
    ...minimal(),
    sinks: { loki: { url: 'http://x', auth: { username: 'u', password: passwordRef } } },
  };
  const config = parseConfig(raw, '/srv', { LOKI_PASSWORD: 's3cret' });
  assert.equal(config.sinks.loki?.auth?.password, 's3cret');
});

test('nearestKey suggests only plausible keys', () => {
  assert.equal(nearestKey('maxLineByte', ['maxLineBytes', 'chunkBytes']), 'maxLineBytes');
  assert.equal(nearestKey('zzzzzz', ['url', 'tls']), undefined);
});

test('the CLI prints config errors one per line, naming the key, and exits 2', () => {
  const dir = tempDir('tailer-config-');
  const file = join(dir, 'tailer.yaml');
  writeFileSync(
    file,
    'inputs:\n  - name: app\n    paths: [x]\nsinks:\n  lokki: {url: "http://x"}\ncheckpoint: {path: cp.json}\n',
  );
  const cli = resolve(import.meta.dirname, '../src/cli.ts');
  const result = spawnSync(process.execPath, [cli, '--config', file, '--check-config'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(
    result.stderr,
    /^tracetail-tail: config error: sinks\.lokki: unknown key; did you mean "loki"\?$/m,
  );
  writeFileSync(
    file,
    'inputs:\n  - name: app\n    paths: [x]\nsinks:\n  loki: {url: "http://x"}\ncheckpoint: {path: cp.json}\n',
  );
  const ok = spawnSync(process.execPath, [cli, '--config', file, '--check-config'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'config ok\n');
});
