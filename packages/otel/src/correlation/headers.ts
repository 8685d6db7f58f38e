/** Header the id is read from first, echoed on responses and sent on outgoing calls. */
export const CORRELATION_HEADER = 'x-correlation-id';
/** Read when `x-correlation-id` is absent: many proxies and platforms already set it. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** W3C baggage key carrying the id, so services that only propagate baggage keep it too. */
export const CORRELATION_BAGGAGE_KEY = 'correlation_id';

type HeaderValue = string | string[] | number | undefined;

function firstValue(value: HeaderValue): string | undefined {
  if (Array.isArray(value)) return value[0];
  return value === undefined ? undefined : String(value);
}

/** Finds the caller's id in incoming headers: x-correlation-id, then x-request-id, then baggage. */
export function correlationIdFromHeaders(headers: Record<string, HeaderValue>): string | undefined {
  const direct = firstValue(headers[CORRELATION_HEADER]) ?? firstValue(headers[REQUEST_ID_HEADER]);
  if (direct !== undefined) return direct;
  const baggage = firstValue(headers.baggage);
  return baggage === undefined ? undefined : correlationIdFromBaggage(baggage);
}

/** Reads `correlation_id` from a W3C baggage header value (`k=v;prop,k2=v2`). */
export function correlationIdFromBaggage(baggage: string): string | undefined {
  for (const member of baggage.split(',')) {
    const [pair] = member.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (pair === undefined || eq < 0) continue;
    if (pair.slice(0, eq).trim() !== CORRELATION_BAGGAGE_KEY) continue;
    try {
      return decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return pair.slice(eq + 1).trim();
    }
  }
  return undefined;
}

/** Adds our baggage member to an existing header value without duplicating it. */
export function withCorrelationBaggage(existing: string | undefined, correlationId: string): string {
  const member = `${CORRELATION_BAGGAGE_KEY}=${encodeURIComponent(correlationId)}`;
  if (existing === undefined || existing.trim() === '') return member;
  if (correlationIdFromBaggage(existing) !== undefined) return existing;
  return `${existing},${member}`;
}

/**
 * Sets our baggage member, dropping any other `correlation_id` member (a caller's value that was
 * replaced, or one that disagrees with x-correlation-id), so downstream sees one id.
 */
export function replaceCorrelationBaggage(existing: string | undefined, correlationId: string): string {
  const others = (existing ?? '')
    .split(',')
    .map((member) => member.trim())
    .filter(
      (member) => member !== '' && member.split(';')[0]?.split('=')[0]?.trim() !== CORRELATION_BAGGAGE_KEY,
    );
  return [...others, `${CORRELATION_BAGGAGE_KEY}=${encodeURIComponent(correlationId)}`].join(',');
}
