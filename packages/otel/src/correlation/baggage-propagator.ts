import {
  type Context,
  propagation,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { CORRELATION_BAGGAGE_KEY } from './headers.ts';

// The headers of the request the http hook saw last and the id it resolved for them. Node publishes
// `http.server.request.start` and emits `request` (where the instrumentation extracts) in one
// synchronous step, so one slot is enough; it is compared by identity, so another carrier never
// gets the id. A slot rather than a WeakMap: a weak entry per request costs the GC. One slot per
// process even if two copies of this module load (CJS and ESM), like the store in context.ts.
interface PendingSlot {
  headers: object | undefined;
  correlationId: string;
}
const PENDING_KEY = Symbol.for('tracetail.correlation.pendingBaggageId');
type GlobalWithPending = typeof globalThis & { [PENDING_KEY]?: PendingSlot };
const holder = globalThis as GlobalWithPending;
holder[PENDING_KEY] ??= { headers: undefined, correlationId: '' };
const pending: PendingSlot = holder[PENDING_KEY];

/** Called by the http hook: the next extract from these headers adds the id to the baggage. */
export function setIncomingCorrelationId(headers: object, correlationId: string): void {
  pending.headers = headers;
  pending.correlationId = correlationId;
}

/**
 * Runs after the W3C baggage propagator in the composite: puts the request's correlation id into
 * the extracted baggage (replacing a caller's `correlation_id` member, so downstream sees one id),
 * and the baggage propagator sends it on every outgoing call. Doing this on the parsed baggage is
 * what keeps the raw `baggage` header from being rewritten and parsed again on every request.
 * Injects nothing itself.
 */
export class CorrelationBaggagePropagator implements TextMapPropagator {
  inject(_context: Context, _carrier: unknown, _setter: TextMapSetter): void {}

  extract(context: Context, carrier: unknown, _getter: TextMapGetter): Context {
    if (carrier !== pending.headers || carrier === undefined) return context;
    const correlationId = pending.correlationId;
    const baggage = propagation.getBaggage(context);
    if (baggage === undefined) {
      return propagation.setBaggage(
        context,
        propagation.createBaggage({ [CORRELATION_BAGGAGE_KEY]: { value: correlationId } }),
      );
    }
    // A caller that already sent our id (an upstream service on tracetail) needs no new baggage.
    if (baggage.getEntry(CORRELATION_BAGGAGE_KEY)?.value === correlationId) return context;
    return propagation.setBaggage(
      context,
      baggage.setEntry(CORRELATION_BAGGAGE_KEY, { value: correlationId }),
    );
  }

  fields(): string[] {
    return [];
  }
}
