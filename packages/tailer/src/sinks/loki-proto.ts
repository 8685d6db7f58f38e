// Hand-written encoder for Loki's PushRequest (pkg/push/push.proto). Five small messages do not justify
// a protobuf runtime; two passes (sizes, then bytes) write the body into one buffer with no copies.
//   PushRequest   { repeated StreamAdapter streams = 1; }
//   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
//   EntryAdapter  { google.protobuf.Timestamp timestamp = 1; string line = 2;
//                   repeated LabelPairAdapter structuredMetadata = 3; }
//   LabelPairAdapter { string name = 1; string value = 2; }
//   Timestamp     { int64 seconds = 1; int32 nanos = 2; }

export interface PushEntry {
  readonly seconds: number;
  readonly nanos: number;
  readonly line: string;
  readonly metadata: readonly (readonly [string, string])[];
}

export interface PushStream {
  readonly labels: string;
  readonly entries: readonly PushEntry[];
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

const lenField = (payload: number) => 1 + varintSize(payload) + payload;

export function encodePushRequest(streams: readonly PushStream[]): Buffer {
  // Pass 1: sizes. String byte lengths are computed once and replayed in pass 2 in the same order.
  const lengths: number[] = [];
  const streamSizes: number[] = [];
  const entrySizes: number[] = [];
  let total = 0;
  for (const stream of streams) {
    const labelsLength = Buffer.byteLength(stream.labels);
    lengths.push(labelsLength);
    let streamSize = lenField(labelsLength);
    for (const entry of stream.entries) {
      const tsSize =
        (entry.seconds > 0 ? 1 + varintSize(entry.seconds) : 0) +
        (entry.nanos > 0 ? 1 + varintSize(entry.nanos) : 0);
      const lineLength = Buffer.byteLength(entry.line);
      lengths.push(lineLength);
      let entrySize = lenField(tsSize) + lenField(lineLength);
      for (const [name, value] of entry.metadata) {
        const nameLength = Buffer.byteLength(name);
        const valueLength = Buffer.byteLength(value);
        lengths.push(nameLength, valueLength);
        entrySize += lenField(lenField(nameLength) + lenField(valueLength));
      }
      entrySizes.push(entrySize, tsSize);
      streamSize += lenField(entrySize);
    }
    streamSizes.push(streamSize);
    total += lenField(streamSize);
  }

  // Pass 2: bytes.
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  let li = 0;
  let ei = 0;
  const writeVarint = (value: number): void => {
    while (value >= 0x80) {
      out[pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    out[pos++] = value;
  };
  const writeString = (tag: number, value: string): void => {
    const length = lengths[li++]!;
    out[pos++] = tag;
    writeVarint(length);
    pos += out.write(value, pos, length, 'utf8');
  };
  streams.forEach((stream, si) => {
    out[pos++] = 0x0a; // streams = 1, LEN
    writeVarint(streamSizes[si]!);
    writeString(0x0a, stream.labels); // labels = 1
    for (const entry of stream.entries) {
      const entrySize = entrySizes[ei++]!;
      const tsSize = entrySizes[ei++]!;
      out[pos++] = 0x12; // entries = 2, LEN
      writeVarint(entrySize);
      out[pos++] = 0x0a; // timestamp = 1, LEN
      writeVarint(tsSize);
      if (entry.seconds > 0) {
        out[pos++] = 0x08; // seconds = 1, VARINT
        writeVarint(entry.seconds);
      }
      if (entry.nanos > 0) {
        out[pos++] = 0x10; // nanos = 2, VARINT
        writeVarint(entry.nanos);
      }
      writeString(0x12, entry.line); // line = 2
      for (const [name, value] of entry.metadata) {
        out[pos++] = 0x1a; // structuredMetadata = 3, LEN
        writeVarint(lenField(lengths[li]!) + lenField(lengths[li + 1]!));
        writeString(0x0a, name);
        writeString(0x12, value);
      }
    }
  });
  if (pos !== total) throw new Error(`protobuf size mismatch: wrote ${pos} of ${total}`);
  return out;
}
