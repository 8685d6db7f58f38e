import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OffsetTracker } from '../src/pipeline/offset-tracker.ts';

test('a position commits only when every sink acknowledged every line before it, in file order', () => {
  let released = 0;
  const tracker = new OffsetTracker(0, (bytes) => {
    released += bytes;
  });
  const a = tracker.add(10, 10, 0b11, 0);
  const b = tracker.add(20, 10, 0b11, 0);
  tracker.add(21, 0, 0, 0); // empty line
  const c = tracker.add(30, 9, 0b11, 0);
  tracker.acknowledge(b, 0b01);
  tracker.acknowledge(b, 0b10);
  assert.equal(tracker.committed, 0, 'b is done but a is not');
  assert.equal(released, 10);
  tracker.acknowledge(a, 0b01);
  assert.equal(tracker.committed, 0);
  assert.equal(tracker.sinkPosition(0b01), 21, 'sink 1 has everything up to c');
  assert.equal(tracker.sinkPosition(0b10), 0);
  tracker.acknowledge(a, 0b10);
  assert.equal(tracker.committed, 21);
  tracker.acknowledge(c, 0b10);
  tracker.acknowledge(c, 0b10); // a repeated ack changes nothing
  assert.equal(tracker.committed, 21);
  tracker.acknowledge(c, 0b01);
  assert.equal(tracker.committed, 30);
  assert.equal(released, 29);
  assert.equal(tracker.pendingCount, 0);
});
