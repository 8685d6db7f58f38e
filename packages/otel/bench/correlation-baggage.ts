// What putting the correlation id into the W3C baggage costs per incoming request, for the two ways
// of doing it, in one process and alternating so machine noise hits both alike:
//   header rewrite: rewrite the raw `baggage` header (replaceCorrelationBaggage), then let the
//                   composite propagator parse it again (the approach used until the propagator);
//   propagator:     leave the header alone; CorrelationBaggagePropagator sets the entry in the
//                   baggage the W3C propagator extracted (what the preload does).
// Timed is the extract every incoming request pays; an outgoing call's inject is the same both ways
// (checked once per header shape: both send the same baggage). Prints the median
// ns per request of each and of the same extract+inject without a correlation id, per incoming header
// shape, and the ratio of the correlation work's own cost (the difference to that reference).
// Usage: node packages/otel/bench/correlation-baggage.ts [rounds=15] [iterations=50000]
import { cpus } from 'node:os';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  CorrelationBaggagePropagator,
  setIncomingCorrelationId,
} from '../src/correlation/baggage-propagator.ts';
import { replaceCorrelationBaggage } from '../src/correlation/headers.ts';

const rounds = Number(process.argv[2] ?? 15);
const iterations = Number(process.argv[3] ?? 50_000);

const before = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});
const after = new CompositePropagator({
  propagators: [
    new W3CTraceContextPropagator(),
    new W3CBaggagePropagator(),
    new CorrelationBaggagePropagator(),
  ],
});

const shapes: Record<string, Record<string, string>> = {
  'no baggage': { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  'caller baggage with the same id': {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    baggage: 'tenant=t1,correlation_id=019a4b6e-5c1d-7f00-8a3b-2c4d5e6f7a8b',
  },
  'caller baggage with another id': {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    baggage: 'tenant=t1,correlation_id=req-abc123',
  },
};
const id = '019a4b6e-5c1d-7f00-8a3b-2c4d5e6f7a8b';

let sink = 0;
function headerRewrite(template: Record<string, string>): void {
  const headers: Record<string, string> = { ...template };
  headers.baggage = replaceCorrelationBaggage(headers.baggage, id);
  if (before.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) !== ROOT_CONTEXT) sink++;
}
function viaPropagator(template: Record<string, string>): void {
  const headers: Record<string, string> = { ...template };
  setIncomingCorrelationId(headers, id);
  if (after.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) !== ROOT_CONTEXT) sink++;
}

/** Reference: the same extract and inject with no correlation id at all. */
function withoutCorrelation(template: Record<string, string>): void {
  const headers: Record<string, string> = { ...template };
  if (before.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) !== ROOT_CONTEXT) sink++;
}

function timeNs(fn: (t: Record<string, string>) => void, template: Record<string, string>): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(template);
  return Number(process.hrtime.bigint() - start) / iterations;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${rounds} rounds × ${iterations}`,
);
for (const [shape, template] of Object.entries(shapes)) {
  // Same output both ways, or the comparison means nothing.
  const a: Record<string, string> = {};
  const h = { ...template, baggage: replaceCorrelationBaggage(template.baggage, id) };
  before.inject(before.extract(ROOT_CONTEXT, h, defaultTextMapGetter), a, defaultTextMapSetter);
  const b: Record<string, string> = {};
  const p = { ...template };
  setIncomingCorrelationId(p, id);
  after.inject(after.extract(ROOT_CONTEXT, p, defaultTextMapGetter), b, defaultTextMapSetter);
  if (a.baggage?.split(',').sort().join() !== b.baggage?.split(',').sort().join())
    throw new Error(`outputs differ for ${shape}: ${a.baggage} vs ${b.baggage}`);

  const variants = [
    { fn: withoutCorrelation, ns: [] as number[] },
    { fn: headerRewrite, ns: [] as number[] },
    { fn: viaPropagator, ns: [] as number[] },
  ];
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round.
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + round) % variants.length]!;
      variant.ns.push(timeNs(variant.fn, template));
    }
  }
  const [none, r, q] = variants.map((v) => median(v.ns)) as [number, number, number];
  console.log(
    `${shape}: without correlation ${none.toFixed(0)} ns; header rewrite ${r.toFixed(0)} ns ` +
      `(+${(r - none).toFixed(0)}); propagator ${q.toFixed(0)} ns (+${(q - none).toFixed(0)}); ` +
      `correlation's own cost ${((q - none) / (r - none)).toFixed(2)}× of before`,
  );
}
if (sink === 0) console.log('');
