import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter, type SplitLine, utf8Boundary } from '../src/source/line-splitter.ts';

function collect(
  splitter: LineSplitter,
  chunks: string[],
  start = 0,
): { text: string; start: number; end: number; truncated: boolean }[] {
  const out: { text: string; start: number; end: number; truncated: boolean }[] = [];
  let offset = start;
  const onLine = (l: SplitLine) =>
    out.push({ text: l.bytes.toString(), start: l.start, end: l.end, truncated: l.truncated });
  for (const chunk of chunks) {
    const bytes = Buffer.from(chunk);
    splitter.push(bytes, offset, onLine);
    offset += bytes.length;
  }
  return out;
}

test('lines split across chunks keep their exact offsets; a partial last line is held', () => {
  const splitter = new LineSplitter(1024, 0);
  const lines = collect(splitter, ['ab', 'c\nde\n', 'f\r\ng', 'h']);
  assert.deepEqual(lines, [
    { text: 'abc', start: 0, end: 4, truncated: false },
    { text: 'de', start: 4, end: 7, truncated: false },
    { text: 'f', start: 7, end: 10, truncated: false },
  ]);
  assert.equal(splitter.hasPending, true);
  assert.equal(splitter.pendingStart, 10);
  const flushed: SplitLine[] = [];
  splitter.flush(12, (l) => flushed.push({ ...l, bytes: Buffer.from(l.bytes) }));
  assert.equal(flushed[0]?.bytes.toString(), 'gh');
  assert.equal(flushed[0]?.partial, true);
  assert.equal(flushed[0]?.end, 12);
});

test('a line over the limit is truncated on a UTF-8 boundary and flagged; its neighbours survive', () => {
  const splitter = new LineSplitter(10, 0);
  const long = `${'é'.repeat(20)}\n`; // 2 bytes per char
  const lines = collect(splitter, ['ok\n', long.slice(0, 7), long.slice(7), 'next\n']);
  assert.equal(lines.length, 3);
  assert.equal(lines[1]?.text, 'ééééé');
  assert.equal(lines[1]?.truncated, true);
  assert.equal(lines[1]?.end, 3 + Buffer.byteLength(long));
  assert.deepEqual(lines[2], {
    text: 'next',
    start: lines[1]!.end,
    end: lines[1]!.end + 5,
    truncated: false,
  });
});

test('utf8Boundary never cuts inside a multi-byte character', () => {
  const bytes = Buffer.from('a€b'); // € is 3 bytes
  assert.equal(utf8Boundary(bytes, 2), 1);
  assert.equal(utf8Boundary(bytes, 4), 4);
  assert.equal(utf8Boundary(bytes, 99), 5);
});
