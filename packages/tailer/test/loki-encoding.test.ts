// Checks our hand-written PushRequest encoder against protobufjs decoding Loki's push.proto schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { uncompressSync } from 'snappy';
import { parseConfig } from '../src/config/load.ts';
import { parseLine } from '../src/parse/record.ts';
import { encodeProtobuf, lokiLabels, parseIgnoredCount, rejectionReason } from '../src/sinks/loki.ts';

const pushProto = `
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
`;

const config = parseConfig(
  {
    inputs: [{ name: 'app', paths: ['x'], labels: { env: 'test' } }],
    sinks: { loki: { url: 'http://127.0.0.1:3100' } },
    checkpoint: { path: 'cp.json' },
  },
  '/tmp',
  {},
);

function record(line: string, offset: number) {
  return parseLine(Buffer.from(line), {
    truncated: false,
    partial: false,
    input: config.inputs[0]!,
    origin: { path: '/x', fileId: 'f', offset },
    readAt: 1_700_000_000_000,
    metadataKeys: config.sinks.loki!.structuredMetadataKeys,
  });
}

test('protobuf + snappy body decodes with the push.proto schema, streams sorted, ids as metadata', () => {
  const records = [
    record(
      '{"timestamp":"2026-01-02T03:04:05.678901234Z","level":"info","service.name":"api","trace_id":"t1","message":"ü"}',
      0,
    ),
    record(
      '{"timestamp":"2026-01-02T03:04:05.000Z","level":"info","service.name":"api","correlation_id":"c9"}',
      100,
    ),
    record('not json at all', 200),
  ];
  const body = encodeProtobuf(records, config.sinks.loki!);
  const PushRequest = protobuf.parse(pushProto).root.lookupType('logproto.PushRequest');
  const decoded = PushRequest.toObject(PushRequest.decode(uncompressSync(body) as Buffer), {
    longs: Number,
    defaults: true,
  }) as {
    streams: {
      labels: string;
      entries: {
        timestamp: { seconds: number; nanos: number };
        line: string;
        structuredMetadata?: { name: string; value: string }[];
      }[];
    }[];
  };
  assert.equal(decoded.streams.length, 2);
  const api = decoded.streams.find((s) => s.labels.includes('service_name="api"'))!;
  assert.equal(api.labels, '{env="test", level="info", service_name="api", stream="app"}');
  assert.equal(api.entries[0]!.timestamp.nanos, 0, 'sorted: the earlier entry first');
  assert.deepEqual(api.entries[0]!.structuredMetadata, [{ name: 'correlation_id', value: 'c9' }]);
  assert.equal(api.entries[1]!.timestamp.seconds, Date.parse('2026-01-02T03:04:05Z') / 1000);
  assert.equal(api.entries[1]!.timestamp.nanos, 678_901_234);
  assert.equal(api.entries[1]!.line, records[0]!.text);
  const raw = decoded.streams.find((s) => s.labels.includes('unknown_service'))!;
  assert.deepEqual(raw.entries[0]!.structuredMetadata, [
    { name: 'tracetail_flags', value: 'not_json,read_time' },
  ]);
  assert.equal(raw.entries[0]!.timestamp.seconds, 1_700_000_000);
});

test('label values are quoted and escaped', () => {
  const r = record('{"service.name":"a\\"b\\\\c","level":"ERROR"}', 0);
  assert.equal(lokiLabels(r, {}), '{env="test", level="error", service_name="a\\"b\\\\c", stream="app"}');
});

test('a Loki 400 body gives the reason and the ignored count', () => {
  const body =
    "entry with timestamp 2020-01-01 00:00:00 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2020-01-01T00:00:00Z, oldest acceptable timestamp is: 2026-01-01T00:00:00Z' for stream: {stream=\"app\"},\nuser 'fake', total ignored: 1 out of 3";
  assert.deepEqual(parseIgnoredCount(body), { ignored: 1, total: 3 });
  assert.match(rejectionReason(body), /^entry too far behind/);
});
