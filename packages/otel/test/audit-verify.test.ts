import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { hashAuditEvent } from '../src/audit/canonical.ts';
import { AuditLog } from '../src/audit/log.ts';
import { runWithCorrelationId } from '../src/correlation/context.ts';

// The real CLI entry, run as a child process the way an operator runs it.
const cli = resolve(import.meta.dirname, '../src/cli/main.ts');

function runCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** A pristine trail of 40 events over 4 files (3 rotated + active), 4 correlation ids. */
let pristine: string;

before(() => {
  pristine = mkdtempSync(join(tmpdir(), 'tracetail-verify-'));
  const log = new AuditLog({
    file: join(pristine, 'audit.jsonl'),
    mode: 'sync',
    flushIntervalMs: 1000,
    maxQueue: 100,
    maxFileBytes: 4096,
    serviceName: () => 'verify-test',
    flushOnExit: false,
  });
  for (let i = 0; i < 40; i++) {
    runWithCorrelationId(`req-${i % 4}`, () =>
      log.record({ action: i % 2 === 0 ? 'exec.start' : 'fs.write', outcome: 'success', resource: `r${i}` }),
    );
  }
  log.close();
});

function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracetail-verify-case-'));
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

function rewrite(file: string, edit: (lines: string[]) => string[]): void {
  writeFileSync(file, `${edit(lines(file)).join('\n')}\n`);
}

function files(dir: string): string[] {
  // Deliberately in shell-glob order; the CLI must sort by rotation index itself.
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(dir, name));
}

describe('tracetail audit verify', () => {
  it('accepts an intact trail across rotations (exit 0)', () => {
    assert.ok(files(pristine).length >= 3, 'fixture should have rotated');
    const result = runCli('audit', 'verify', ...files(pristine));
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^OK: 40 events in \d+ file\(s\), hash chain intact/);
  });

  it('accepts a directory argument', () => {
    const result = runCli('audit', 'verify', pristine);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('reports an edited line as hash-mismatch at that line', () => {
    const dir = copy();
    rewrite(join(dir, 'audit.1.jsonl'), (all) =>
      all.map((line, i) => (i === 2 ? line.replace('"success"', '"failure"') : line)),
    );
    const result = runCli('audit', 'verify', ...files(dir));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /BROKEN: .*audit\.1\.jsonl:3: hash-mismatch: .*edited/);
  });

  it('reports a deleted line at the line after it', () => {
    const dir = copy();
    rewrite(join(dir, 'audit.2.jsonl'), (all) => all.filter((_, i) => i !== 1));
    const result = runCli('audit', 'verify', ...files(dir));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /audit\.2\.jsonl:2: prev-hash-mismatch: .*deleted, inserted or reordered/);
  });

  it('reports an inserted line, even one with a self-consistent hash', () => {
    const dir = copy();
    const file = join(dir, 'audit.1.jsonl');
    const all = lines(file);
    // A forger copies line 2 (valid hash) and inserts it again after line 3.
    rewrite(file, () => [...all.slice(0, 3), all[1] ?? '', ...all.slice(3)]);
    const result = runCli('audit', 'verify', ...files(dir));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /audit\.1\.jsonl:4: prev-hash-mismatch/);
  });

  it('reports reordered lines', () => {
    const dir = copy();
    const file = join(dir, 'audit.jsonl');
    const all = lines(file);
    assert.ok(all.length >= 3);
    rewrite(file, () => [all[0] ?? '', all[2] ?? '', all[1] ?? '', ...all.slice(3)]);
    const result = runCli('audit', 'verify', ...files(dir));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /audit\.jsonl:2: prev-hash-mismatch/);
  });

  it('reports a rotated file that went missing, at the first line of the next file', () => {
    const dir = copy();
    rmSync(join(dir, 'audit.2.jsonl'));
    const result = runCli('audit', 'verify', ...files(dir));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /audit\.3\.jsonl:1: prev-hash-mismatch/);
  });

  it('reports events cut from the end of a rotated file (the next file no longer links)', () => {
    const dir = copy();
    rewrite(join(dir, 'audit.1.jsonl'), (all) => all.slice(0, -1));
    const result = runCli('audit', 'verify', ...files(dir));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /audit\.2\.jsonl:1: prev-hash-mismatch/);
  });

  it('requires the chain to start at genesis unless --allow-partial', () => {
    const dir = copy();
    rmSync(join(dir, 'audit.1.jsonl'));
    const strict = runCli('audit', 'verify', ...files(dir));
    assert.equal(strict.status, 1);
    assert.match(strict.stdout, /audit\.2\.jsonl:1: chain-not-at-genesis/);
    const partial = runCli('audit', 'verify', '--allow-partial', ...files(dir));
    assert.equal(partial.status, 0, partial.stdout);
  });

  it('reports a torn (unparseable) line', () => {
    const dir = copy();
    rewrite(join(dir, 'audit.jsonl'), (all) => [...all.slice(0, -1), (all.at(-1) ?? '').slice(0, 40)]);
    const result = runCli('audit', 'verify', '--json', ...files(dir));
    assert.equal(result.status, 1);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; firstBreak: { reason: string; line: number } };
    assert.equal(parsed.ok, false);
    assert.equal(parsed.firstBreak.reason, 'unparseable-line');
    assert.equal(parsed.firstBreak.line, lines(join(dir, 'audit.jsonl')).length);
  });

  it('fails with a coded usage error for a missing file', () => {
    const result = runCli('audit', 'verify', '/nonexistent/audit.jsonl');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^TRACETAIL_ERR_AUDIT_FILE: cannot read \/nonexistent\/audit\.jsonl/);
    const unknown = runCli('audit', 'verify', '--nope', pristine);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^TRACETAIL_ERR_CLI_USAGE: /);
  });
});

describe('tracetail audit query', () => {
  it('prints the events of one correlation id across rotated files, oldest first', () => {
    const result = runCli('audit', 'query', '--correlation-id', 'req-1', ...files(pristine));
    assert.equal(result.status, 0, result.stderr);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(events.length, 10);
    assert.ok(events.every((event) => event.correlation_id === 'req-1'));
    assert.deepEqual(
      events.map((event) => event.resource),
      ['r1', 'r5', 'r9', 'r13', 'r17', 'r21', 'r25', 'r29', 'r33', 'r37'],
    );
    assert.match(result.stderr, /10 event\(s\) with correlation_id req-1/);
  });

  it('filters by action too, and exits 1 when nothing matches', () => {
    const result = runCli('audit', 'query', '--correlation-id', 'req-0', '--action', 'exec.start', pristine);
    assert.equal(result.status, 0);
    assert.equal(result.stdout.trim().split('\n').length, 10);
    const none = runCli('audit', 'query', '--correlation-id', 'req-0', '--action', 'fs.write', pristine);
    assert.equal(none.status, 1);
    assert.equal(none.stdout, '');
  });

  it('requires --correlation-id', () => {
    const result = runCli('audit', 'query', pristine);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /TRACETAIL_ERR_CLI_USAGE: --correlation-id is required/);
  });
});

describe('tracetail audit verify with a keyed chain (TRACETAIL_AUDIT_HMAC_KEY_FILE)', () => {
  const key = Buffer.from('k'.repeat(40));
  let dir: string;
  let keyFile: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracetail-verify-hmac-'));
    keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, `${key.toString()}\n`);
    const log = new AuditLog({
      file: join(dir, 'trail', 'audit.jsonl'),
      mode: 'sync',
      flushIntervalMs: 1000,
      maxQueue: 100,
      maxFileBytes: 1024 * 1024,
      serviceName: () => 'hmac-test',
      hmacKey: key,
      flushOnExit: false,
    });
    for (let i = 0; i < 5; i++) log.record({ action: 'fs.delete', outcome: 'success', resource: `f${i}` });
    log.close();
  });

  it('verifies with the key, and asks for it without', () => {
    const trail = join(dir, 'trail');
    assert.match(lines(join(trail, 'audit.jsonl'))[0] ?? '', /"hash_alg":"hmac-sha256"/);
    const withKey = runCli('audit', 'verify', '--key-file', keyFile, trail);
    assert.equal(withKey.status, 0, withKey.stdout + withKey.stderr);
    const withoutKey = runCli('audit', 'verify', trail);
    assert.equal(withoutKey.status, 1);
    assert.match(withoutKey.stdout, /audit\.jsonl:1: key-required/);
  });

  it('rejects a trail re-hashed without the key (edit + recomputed plain SHA-256 chain)', () => {
    const forged = mkdtempSync(join(tmpdir(), 'tracetail-verify-forged-'));
    let prev: string | undefined;
    const rewritten = lines(join(dir, 'trail', 'audit.jsonl')).map((line, i) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      delete event.hash_alg;
      if (i === 2) event['event.outcome'] = 'failure';
      if (prev !== undefined) event.prev_hash = prev;
      event.hash = hashAuditEvent(event);
      prev = event.hash as string;
      return JSON.stringify(event);
    });
    writeFileSync(join(forged, 'audit.jsonl'), `${rewritten.join('\n')}\n`);
    // Without the key the forgery is self-consistent: this is what the key is for.
    assert.equal(runCli('audit', 'verify', forged).status, 0);
    const result = runCli('audit', 'verify', '--key-file', keyFile, forged);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /not-keyed/);
  });

  it('rejects a line re-hashed with another key', () => {
    const forged = mkdtempSync(join(tmpdir(), 'tracetail-verify-wrongkey-'));
    const all = lines(join(dir, 'trail', 'audit.jsonl'));
    const event = JSON.parse(all[3] ?? '{}') as Record<string, unknown>;
    event.resource = 'tampered';
    event.hash = hashAuditEvent(event, Buffer.from('x'.repeat(40)));
    all[3] = JSON.stringify(event);
    writeFileSync(join(forged, 'audit.jsonl'), `${all.join('\n')}\n`);
    const result = runCli('audit', 'verify', '--key-file', keyFile, forged);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /audit\.jsonl:4: hash-mismatch/);
  });
});
