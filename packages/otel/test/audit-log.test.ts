import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { GENESIS_HASH, hashAuditEvent } from '../src/audit/canonical.ts';
import { AuditLog, type AuditLogOptions } from '../src/audit/log.ts';
import { verifyAuditFiles } from '../src/audit/verify.ts';
import { runWithCorrelationId } from '../src/correlation/context.ts';

const srcDir = resolve(import.meta.dirname, '../src');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tracetail-audit-'));
}

function newLog(dir: string, overrides: Partial<AuditLogOptions> = {}): AuditLog {
  return new AuditLog({
    file: join(dir, 'audit.jsonl'),
    mode: 'batch',
    flushIntervalMs: 60_000,
    maxQueue: 1000,
    maxFileBytes: 1024 * 1024,
    serviceName: () => 'audit-test',
    flushOnExit: false,
    ...overrides,
  });
}

function readEvents(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('AuditLog', () => {
  it('writes ECS + DevBench fields, the correlation id and a hash chain', () => {
    const dir = tempDir();
    const log = newLog(dir);
    runWithCorrelationId('req-abc123', () => {
      log.record({
        action: 'container.spawn',
        outcome: 'success',
        actor: { id: 'u-1' },
        client: { name: 'claude', version: '1.2.3' },
        session_id: 'session-123',
        container_id: 'c_abc123',
        image: 'python:3.11-slim',
        duration_ms: 1234,
      });
      log.record({ action: 'fs.write', outcome: 'failure', resource: '/scratch/a.txt', reason: 'EACCES' });
    });
    log.close();
    const [first, second] = readEvents(join(dir, 'audit.jsonl'));
    assert.ok(first !== undefined && second !== undefined);
    assert.equal(first['event.action'], 'container.spawn');
    assert.equal(first['event.outcome'], 'success');
    assert.deepEqual(first['event.category'], ['process']);
    assert.deepEqual(first['event.type'], ['creation', 'start']);
    assert.equal(first['event.duration'], 1_234_000_000);
    assert.equal(first.duration_ms, 1234);
    assert.equal(first.result, 'success');
    assert.equal(first.client_name, 'claude');
    assert.equal(first.client_version, '1.2.3');
    assert.equal(first.session_id, 'session-123');
    assert.equal(first.container_id, 'c_abc123');
    assert.equal(first.image, 'python:3.11-slim');
    assert.equal(first['user.id'], 'u-1');
    assert.equal(first.correlation_id, 'req-abc123');
    assert.equal(first['service.name'], 'audit-test');
    assert.equal(first.seq, 1);
    assert.equal(second.seq, 2);
    assert.match(String(first.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(first.prev_hash, GENESIS_HASH);
    assert.equal(first.hash, hashAuditEvent(first));
    assert.equal(second.prev_hash, first.hash);
    assert.deepEqual(second['event.category'], ['file']);
    assert.equal(second['event.reason'], 'EACCES');
    assert.equal(first.validation_error, undefined);
  });

  it('writes invalid events flagged with the validation error, and never throws', () => {
    const dir = tempDir();
    const log = newLog(dir);
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    assert.doesNotThrow(() => {
      log.record({ action: 'Not Valid!', outcome: 'maybe' as never, details: circular });
      log.record(undefined as never);
      log.record({ action: 'exec.start', count: 10n, extra: 'kept' } as never);
    });
    log.close();
    const events = readEvents(join(dir, 'audit.jsonl'));
    assert.equal(events.length, 3);
    assert.match(String(events[0]?.validation_error), /action: .* must match/);
    assert.match(
      String(events[0]?.validation_error),
      /outcome: "maybe" is not one of success, failure, unknown/,
    );
    // The cycle is cut where it first repeats instead of making JSON.stringify throw.
    assert.deepEqual(events[0]?.details, { a: 1, self: { a: 1, self: '[circular]' } });
    assert.match(String(events[1]?.validation_error), /expected an object/);
    assert.match(String(events[2]?.validation_error), /count: unknown key/);
    assert.deepEqual(events[2]?.details, { count: '10', extra: 'kept' });
    assert.equal(log.stats().invalid, 3);
    assert.equal(log.stats().written, 3);
  });

  it('keeps the chain verifiable for actions named like Object.prototype members', async () => {
    const dir = tempDir();
    const log = newLog(dir);
    for (const action of ['constructor', 'tostring', 'constructor.call', '__proto__']) log.record({ action });
    log.record({ action: 'fs.write', details: JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') });
    log.close();
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const events = readEvents(join(dir, 'audit.jsonl'));
    assert.equal(events[0]?.['event.type'], undefined);
    assert.equal(events[2]?.['event.category'], undefined);
    assert.deepEqual(Object.keys(events[4]?.details as object), ['__proto__', 'ok']);
    assert.equal((await verifyAuditFiles([join(dir, 'audit.jsonl')])).ok, true);
  });

  it('redacts secrets in details and truncates long values', () => {
    const dir = tempDir();
    const log = newLog(dir);
    log.record({
      action: 'fs.read',
      details: { apiKey: 'k', nested: { password: 'p' }, blob: 'x'.repeat(5000) },
    });
    log.close();
    const [event] = readEvents(join(dir, 'audit.jsonl'));
    const details = event?.details as Record<string, unknown>;
    assert.equal(details.apiKey, '[REDACTED]');
    assert.deepEqual(details.nested, { password: '[REDACTED]' });
    assert.match(String(details.blob), /…\[truncated 2952 chars\]$/);
  });

  it('sync mode writes each event before record() returns; batch mode waits for flush', () => {
    const dir = tempDir();
    const syncLog = newLog(dir, { file: join(dir, 'sync.jsonl'), mode: 'sync' });
    syncLog.record({ action: 'exec.signal', outcome: 'success' });
    assert.equal(readEvents(join(dir, 'sync.jsonl')).length, 1);
    syncLog.close();

    const batchLog = newLog(dir, { file: join(dir, 'batch.jsonl') });
    batchLog.record({ action: 'exec.signal', outcome: 'success' });
    assert.equal(
      fs.existsSync(join(dir, 'batch.jsonl')) ? readEvents(join(dir, 'batch.jsonl')).length : 0,
      0,
    );
    batchLog.flush();
    assert.equal(readEvents(join(dir, 'batch.jsonl')).length, 1);
    batchLog.close();
  });

  it('flushes inline (the caller blocks briefly) when the bounded queue is full', () => {
    const dir = tempDir();
    const log = newLog(dir, { maxQueue: 5 });
    for (let i = 0; i < 12; i++) log.record({ action: 'fs.read', resource: `f${i}` });
    assert.equal(log.stats().blockedFlushes, 2);
    assert.equal(readEvents(join(dir, 'audit.jsonl')).length, 10);
    log.close();
    assert.equal(readEvents(join(dir, 'audit.jsonl')).length, 12);
  });

  it('rotates by size into audit.1.jsonl, audit.2.jsonl, … with one chain across files', async () => {
    const dir = tempDir();
    const log = newLog(dir, { maxFileBytes: 4096 });
    for (let i = 0; i < 60; i++)
      log.record({ action: 'fs.write', outcome: 'success', resource: `/scratch/file-${i}` });
    log.close();
    const names = readdirSync(dir).sort();
    assert.ok(
      names.includes('audit.1.jsonl') && names.includes('audit.2.jsonl') && names.includes('audit.jsonl'),
      names.join(),
    );
    let total = 0;
    for (const name of names) {
      assert.ok(fs.statSync(join(dir, name)).size <= 4096, `${name} exceeds the cap`);
      total += readEvents(join(dir, name)).length;
    }
    assert.equal(total, 60);
    const result = await verifyAuditFiles(names.map((name) => join(dir, name)));
    assert.equal(result.ok, true, JSON.stringify(result.firstBreak));
    assert.equal(result.events, 60);
  });

  it('continues the chain of an existing file after a restart', async () => {
    const dir = tempDir();
    const first = newLog(dir);
    first.record({ action: 'container.spawn' });
    first.close();
    const second = newLog(dir);
    second.record({ action: 'container.kill' });
    second.close();
    const events = readEvents(join(dir, 'audit.jsonl'));
    assert.equal(events[1]?.seq, 1, 'seq is per process');
    assert.equal(events[1]?.prev_hash, events[0]?.hash);
    assert.equal((await verifyAuditFiles([join(dir, 'audit.jsonl')])).ok, true);
  });

  it('spills to disk when the audit file cannot be written, counts it, and replays in order', async () => {
    const dir = tempDir();
    let failWrites = true;
    const failingFs = {
      ...fs,
      writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
        if (failWrites) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        return (fs.writeSync as (...a: unknown[]) => number)(...args);
      }) as typeof fs.writeSync,
    };
    const log = newLog(dir, { fs: failingFs });
    log.record({ action: 'fs.write', resource: 'a' });
    log.record({ action: 'fs.write', resource: 'b' });
    log.flush();
    assert.equal(log.stats().spilled, 2);
    assert.equal(log.stats().dropped, 0);
    assert.equal(readEvents(join(dir, 'audit.jsonl.spill')).length, 2);

    failWrites = false;
    log.record({ action: 'fs.write', resource: 'c' });
    log.flush();
    log.close();
    const events = readEvents(join(dir, 'audit.jsonl'));
    assert.deepEqual(
      events.map((event) => event.resource),
      ['a', 'b', 'c'],
    );
    assert.equal(fs.statSync(join(dir, 'audit.jsonl.spill')).size, 0);
    assert.equal((await verifyAuditFiles([join(dir, 'audit.jsonl')])).ok, true);
  });

  it('keeps batch-mode events when the host calls process.exit()', () => {
    const dir = tempDir();
    const file = join(dir, 'audit.jsonl');
    const script = `
      import { AuditLog } from ${JSON.stringify(join(srcDir, 'audit/log.ts'))};
      const log = new AuditLog({ file: ${JSON.stringify(file)}, mode: 'batch', flushIntervalMs: 60000,
        maxQueue: 10000, maxFileBytes: 1048576, serviceName: () => 'exit-test' });
      for (let i = 0; i < 100; i++) log.record({ action: 'exec.start', resource: 'cmd' + i });
      process.exit(3);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(child.status, 3, child.stderr);
    assert.equal(readEvents(file).length, 100);
  });
});
