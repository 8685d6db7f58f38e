import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation } from '@opentelemetry/api';
import { setIncomingCorrelationId } from './baggage-propagator.ts';
import {
  type CorrelationStore,
  correlationStorage,
  getCorrelationId,
  resolveCorrelation,
} from './context.ts';
import {
  CORRELATION_BAGGAGE_KEY,
  CORRELATION_HEADER,
  correlationIdFromHeaders,
  withCorrelationBaggage,
} from './headers.ts';
import { escapeRejectedCorrelationId, generateCorrelationId } from './id.ts';

interface ServerRequestStart {
  request: IncomingMessage;
  response: ServerResponse;
}
interface ClientRequestCreated {
  request: ClientRequest;
}
/** The part of undici's internal Request that `undici:request:create` exposes and we use. */
interface UndiciRequest {
  headers: string | string[] | undefined;
  addHeader(name: string, value: string): unknown;
}

const INSTALLED = Symbol.for('tracetail.correlation.httpHooks');
type GlobalWithFlag = typeof globalThis & { [INSTALLED]?: boolean };

/**
 * Node publishes `http.server.request.start` just before emitting `request`, so entering the store
 * here makes the id visible to the OTel http instrumentation (which opens the server span in its
 * patched `emit`) and to every continuation of the application's handler.
 */
let trustIncoming = true;

/** With TRACETAIL_CORRELATION_TRUST_INCOMING=false every request gets a new id; the caller's is kept aside. */
function untrusted(incoming: string | undefined): CorrelationStore {
  const correlationId = generateCorrelationId();
  return incoming === undefined || incoming === ''
    ? { correlationId }
    : { correlationId, rejectedCorrelationId: escapeRejectedCorrelationId(incoming) };
}

function onServerRequestStart(message: unknown): void {
  try {
    const { request, response } = message as ServerRequestStart;
    const incoming = correlationIdFromHeaders(request.headers);
    const store = trustIncoming ? resolveCorrelation(incoming) : untrusted(incoming);
    correlationStorage.enterWith(store);
    if (!response.headersSent) response.setHeader(CORRELATION_HEADER, store.correlationId);
    // The OTel propagator extracts from these headers right after this; CorrelationBaggagePropagator
    // then adds the id to the extracted baggage, which carries it downstream as a W3C baggage entry.
    setIncomingCorrelationId(request.headers, store.correlationId);
  } catch {
    // Correlation is best effort: a failure here must never break the host's request.
  }
}

function onHttpClientRequestCreated(message: unknown): void {
  try {
    const id = getCorrelationId();
    if (id === undefined) return;
    const { request } = message as ClientRequestCreated;
    if (request.headersSent) return;
    if (request.getHeader(CORRELATION_HEADER) === undefined) request.setHeader(CORRELATION_HEADER, id);
    const baggage = request.getHeader('baggage');
    request.setHeader(
      'baggage',
      withCorrelationBaggage(typeof baggage === 'string' ? baggage : undefined, id),
    );
  } catch {
    // Never break an outgoing call for the sake of a header.
  }
}

/**
 * True when the OTel propagator will write our baggage entry itself (the active context carries
 * it and baggage propagation is on): adding it here too would send it twice.
 */
function propagatorCarriesId(id: string): boolean {
  try {
    return (
      propagation.fields().includes('baggage') &&
      propagation.getBaggage(context.active())?.getEntry(CORRELATION_BAGGAGE_KEY)?.value === id
    );
  } catch {
    return false;
  }
}

function undiciHasHeader(headers: UndiciRequest['headers'], name: string, needle?: string): boolean {
  if (headers === undefined) return false;
  const lines = Array.isArray(headers) ? headers : headers.split('\r\n');
  return lines.some((line) => {
    const lower = line.toLowerCase();
    return lower.startsWith(`${name}:`) && (needle === undefined || lower.includes(needle));
  });
}

function onUndiciRequestCreate(message: unknown): void {
  try {
    const id = getCorrelationId();
    if (id === undefined) return;
    const { request } = message as { request: UndiciRequest };
    // undici keeps headers as raw `name: value\r\n` text (or a flat array in some versions).
    const flat = Array.isArray(request.headers)
      ? request.headers.flatMap((value, i, all) => (i % 2 === 0 ? [`${value}: ${all[i + 1] ?? ''}`] : []))
      : request.headers;
    if (!undiciHasHeader(flat, CORRELATION_HEADER)) request.addHeader(CORRELATION_HEADER, id);
    if (!undiciHasHeader(flat, 'baggage', `${CORRELATION_BAGGAGE_KEY}=`) && !propagatorCarriesId(id)) {
      request.addHeader('baggage', withCorrelationBaggage(undefined, id));
    }
  } catch {
    // Same rule as above.
  }
}

/**
 * Installs the correlation hooks once per process: inbound HTTP servers, `node:http` clients and
 * undici/fetch. Uses diagnostics_channel, so no module is patched and load order does not matter.
 */
export function installCorrelationHttpHooks(options: { trustIncoming?: boolean } = {}): void {
  const holder = globalThis as GlobalWithFlag;
  if (holder[INSTALLED] === true) return;
  holder[INSTALLED] = true;
  trustIncoming = options.trustIncoming ?? true;
  subscribe('http.server.request.start', onServerRequestStart);
  subscribe('http.client.request.created', onHttpClientRequestCreated);
  subscribe('undici:request:create', onUndiciRequestCreate);
}
