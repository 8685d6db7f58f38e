import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Batch, Batcher } from '../src/batch/batcher.ts';
import { makeRecords, testConfig } from './helpers.ts';

const records = makeRecords(10, testConfig({ loki: { url: 'http://127.0.0.1:1' } }));
const sizeOf = () => 100;

test('a batch is sealed as soon as its size reaches maxBytes, with every record in order', () => {
  const sealed: Batch[] = [];
  const batcher = new Batcher({ maxBytes: 300, maxWaitMs: 60_000 }, sizeOf, (b) => sealed.push(b));
  for (const record of records.slice(0, 7)) batcher.add(record);
  assert.equal(sealed.length, 2);
  assert.deepEqual(sealed[0]!.records, records.slice(0, 3));
  assert.deepEqual(sealed[1]!.records, records.slice(3, 6));
  assert.equal(sealed[0]!.bytes, 300);
  assert.equal(batcher.openCount, 1);
  batcher.seal();
  assert.equal(sealed.length, 3);
  assert.deepEqual(sealed[2]!.records, [records[6]]);
  assert.equal(batcher.openCount, 0);
});

test('a batch is sealed maxWaitMs after its first record, not after its last', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const sealed: Batch[] = [];
  const batcher = new Batcher({ maxBytes: 1_000_000, maxWaitMs: 500 }, sizeOf, (b) => sealed.push(b));
  batcher.add(records[0]!);
  t.mock.timers.tick(400);
  batcher.add(records[1]!);
  t.mock.timers.tick(99);
  assert.equal(sealed.length, 0);
  t.mock.timers.tick(1);
  assert.equal(sealed.length, 1);
  assert.equal(sealed[0]!.records.length, 2);
  assert.equal(sealed[0]!.sealedAt, 500);
  // The timer is not re-armed by an empty batcher: nothing more is sealed.
  t.mock.timers.tick(10_000);
  assert.equal(sealed.length, 1);
});

test('sealing on size cancels the pending timer; sealing an empty batcher seals nothing', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const sealed: Batch[] = [];
  const batcher = new Batcher({ maxBytes: 200, maxWaitMs: 500 }, sizeOf, (b) => sealed.push(b));
  batcher.seal();
  assert.equal(sealed.length, 0);
  batcher.add(records[0]!);
  batcher.add(records[1]!);
  assert.equal(sealed.length, 1);
  t.mock.timers.tick(1_000);
  assert.equal(sealed.length, 1, 'the size seal must have cleared the time seal');
});
