import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputConfig } from '../src/config/types.ts';
import { parseLine } from '../src/parse/record.ts';
import { parseTimestamp, toNanoString } from '../src/parse/timestamp.ts';

const input: InputConfig = { name: 'audit', paths: [], exclude: [], stream: 'audit', labels: {} };
const info = (extra: Partial<{ truncated: boolean; partial: boolean }> = {}) => ({
  truncated: false,
  partial: false,
  input,
  origin: { path: '/a', fileId: 'f', offset: 0 },
  readAt: 5_000,
  metadataKeys: ['event.action', 'trace_id'],
  ...extra,
});

test('event time comes from the record, to the nanosecond, in any RFC 3339 offset', () => {
  assert.equal(toNanoString(parseTimestamp('2026-01-01T00:00:00.123456789Z')!), '1767225600123456789');
  assert.equal(toNanoString(parseTimestamp('2026-01-01T01:00:00.5+01:00')!), '1767225600500000000');
  assert.equal(parseTimestamp('yesterday'), undefined);
  assert.equal(parseTimestamp(1_767_225_600_123)!.ms, 1_767_225_600_123);
});

test('invalid UTF-8 is replaced and flagged; JSON fields are read', () => {
  const bytes = Buffer.concat([
    Buffer.from('{"timestamp":"2026-01-01T00:00:00Z","event.action":"login","msg":"'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('"}'),
  ]);
  const record = parseLine(bytes, info());
  assert.deepEqual(record.flags, ['invalid_utf8']);
  assert.ok(record.text.includes('\uFFFD'));
  assert.equal(record.json, true);
  assert.deepEqual(record.metadata, [['event_action', 'login']]);
  assert.equal(record.level, 'info', 'audit lines without a level are info');
  assert.equal(record.time.ms, Date.parse('2026-01-01T00:00:00Z'));
});

test('a truncated JSON line keeps its embedded event time; a line with none falls back to read time, flagged', () => {
  const truncated = parseLine(
    Buffer.from('{"timestamp":"2026-01-01T00:00:00Z","message":"aaaa'),
    info({ truncated: true }),
  );
  assert.deepEqual(truncated.flags, ['truncated', 'not_json']);
  assert.equal(truncated.time.ms, Date.parse('2026-01-01T00:00:00Z'));
  const plain = parseLine(Buffer.from('plain text'), info());
  assert.deepEqual(plain.flags, ['not_json', 'read_time']);
  assert.equal(plain.time.ms, 5_000);
});
