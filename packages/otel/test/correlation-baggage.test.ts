// The propagator that puts the request's correlation id into the extracted W3C baggage (instead of
// rewriting the incoming `baggage` header), composed as the SDK composes it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import {
  CorrelationBaggagePropagator,
  setIncomingCorrelationId,
} from '../src/correlation/baggage-propagator.ts';

const composite = new CompositePropagator({
  propagators: [new W3CBaggagePropagator(), new CorrelationBaggagePropagator()],
});

function roundTrip(headers: Record<string, string>): string | undefined {
  const context = composite.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const out: Record<string, string> = {};
  composite.inject(context, out, defaultTextMapSetter);
  return out.baggage;
}

describe('correlation baggage propagator', () => {
  it('adds the id to the extracted baggage without touching the incoming header', () => {
    const headers = { baggage: 'tenant=t1' };
    setIncomingCorrelationId(headers, 'req-1 a');
    const sent = roundTrip(headers);
    assert.equal(headers.baggage, 'tenant=t1');
    assert.deepEqual(sent?.split(',').sort(), ['correlation_id=req-1%20a', 'tenant=t1']);
  });

  it("replaces a caller's different correlation_id, so downstream sees one id", () => {
    const headers = { baggage: 'correlation_id=other,tenant=t1' };
    setIncomingCorrelationId(headers, 'req-2');
    assert.deepEqual(roundTrip(headers)?.split(',').sort(), ['correlation_id=req-2', 'tenant=t1']);
  });

  it('creates the baggage when the request had none, and leaves other carriers alone', () => {
    const headers = {};
    setIncomingCorrelationId(headers, 'req-3');
    assert.equal(roundTrip(headers), 'correlation_id=req-3');
    const other = { baggage: 'correlation_id=kept' };
    assert.equal(roundTrip(other), 'correlation_id=kept');
    assert.equal(
      propagation.getBaggage(composite.extract(ROOT_CONTEXT, {}, defaultTextMapGetter)),
      undefined,
    );
  });
});
