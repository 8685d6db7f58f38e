import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { getCorrelationId, runWithCorrelationId } from '../src/correlation/context.ts';
import {
  correlationIdFromBaggage,
  replaceCorrelationBaggage,
  withCorrelationBaggage,
} from '../src/correlation/headers.ts';
import { installCorrelationHttpHooks } from '../src/correlation/http-hooks.ts';
import {
  escapeRejectedCorrelationId,
  generateCorrelationId,
  isWellFormedCorrelationId,
} from '../src/correlation/id.ts';
import { correlationLogFields } from '../src/correlation/log-fields.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlation ids', () => {
  it('accepts safe ids up to 128 chars and rejects the rest', () => {
    assert.equal(isWellFormedCorrelationId('req-xyz789'), true);
    assert.equal(isWellFormedCorrelationId('01JD3Q6Z7K9X2M4N5P6R7S8T9V'), true);
    assert.equal(isWellFormedCorrelationId('a'.repeat(128)), true);
    assert.equal(isWellFormedCorrelationId('a'.repeat(129)), false);
    assert.equal(isWellFormedCorrelationId(''), false);
    assert.equal(isWellFormedCorrelationId('bad id'), false);
    assert.equal(isWellFormedCorrelationId('x"\n{"admin":true}'), false);
  });

  it('generates time-ordered UUIDv7 ids', () => {
    const first = generateCorrelationId(1_700_000_000_000);
    const second = generateCorrelationId(1_700_000_000_001);
    assert.match(first, UUID_V7);
    assert.ok(first.slice(0, 13) < second.slice(0, 13));
    assert.equal(first.replaceAll('-', '').slice(0, 12), (1_700_000_000_000).toString(16).padStart(12, '0'));
  });

  it('escapes and truncates a rejected value', () => {
    assert.equal(escapeRejectedCorrelationId('a b\n"\\'), 'a b\\x0a\\x22\\x5c');
    assert.equal(escapeRejectedCorrelationId('é'), '\\xe9');
    const long = escapeRejectedCorrelationId('z'.repeat(300));
    assert.equal(long, `${'z'.repeat(128)}...`);
  });

  it('runWithCorrelationId scopes the id to the callback and its async continuations', async () => {
    assert.equal(getCorrelationId(), undefined);
    const seen = await runWithCorrelationId('job-42', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return getCorrelationId();
    });
    assert.equal(seen, 'job-42');
    assert.equal(getCorrelationId(), undefined);
    runWithCorrelationId('bad id!', () => {
      assert.match(getCorrelationId() ?? '', UUID_V7);
      assert.deepEqual(Object.keys(correlationLogFields()), ['correlation_id', 'correlation_id_rejected']);
      assert.equal(correlationLogFields().correlation_id_rejected, 'bad id!');
    });
  });

  it('reads and merges the baggage entry', () => {
    assert.equal(correlationIdFromBaggage('a=1,correlation_id=req-1;p=2'), 'req-1');
    assert.equal(withCorrelationBaggage('a=1', 'req-1'), 'a=1,correlation_id=req-1');
    assert.equal(withCorrelationBaggage('correlation_id=x', 'req-1'), 'correlation_id=x');
    assert.equal(
      replaceCorrelationBaggage('a=1, correlation_id=x;p=1,b=2', 'req-1'),
      'a=1,b=2,correlation_id=req-1',
    );
    assert.equal(replaceCorrelationBaggage(undefined, 'req 1'), 'correlation_id=req%201');
  });
});

describe('correlation over real HTTP (diagnostics_channel hooks)', () => {
  let downstream: Server;
  let upstream: Server;
  let downstreamUrl: string;
  let upstreamUrl: string;
  const received: IncomingHttpHeaders[] = [];

  before(async () => {
    installCorrelationHttpHooks();
    downstream = createServer((req, res) => {
      received.push(req.headers);
      res.end('ok');
    });
    downstream.listen(0, '127.0.0.1');
    await once(downstream, 'listening');
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;

    // The upstream handler calls downstream with fetch and with node:http, and reports what it saw.
    upstream = createServer((req, res) => {
      const inHandler = getCorrelationId();
      void (async () => {
        await fetch(`${downstreamUrl}/via-fetch`).then((r) => r.text());
        await new Promise<void>((resolve, reject) => {
          const out = httpRequest(`${downstreamUrl}/via-http`, (r) => {
            r.resume();
            r.on('end', resolve);
          });
          out.on('error', reject);
          out.end();
        });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ inHandler, afterAwait: getCorrelationId(), baggage: req.headers.baggage }));
      })();
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  after(() => {
    downstream.close();
    upstream.close();
  });

  async function call(headers: Record<string, string>) {
    received.length = 0;
    const response = await fetch(upstreamUrl, { headers });
    const body = (await response.json()) as { inHandler: string; afterAwait: string; baggage: string };
    return { echoed: response.headers.get('x-correlation-id'), body, downstream: [...received] };
  }

  it('continues a well-formed x-correlation-id: echoed, in the handler, sent downstream', async () => {
    const { echoed, body, downstream: calls } = await call({ 'x-correlation-id': 'req-abc123' });
    assert.equal(echoed, 'req-abc123');
    assert.equal(body.inHandler, 'req-abc123');
    assert.equal(body.afterAwait, 'req-abc123');
    assert.equal(calls.length, 2);
    for (const headers of calls) {
      assert.equal(headers['x-correlation-id'], 'req-abc123');
      assert.match(String(headers.baggage), /(^|,)correlation_id=req-abc123(,|;|$)/);
    }
  });

  it('falls back to x-request-id', async () => {
    const { echoed } = await call({ 'x-request-id': 'lb-777' });
    assert.equal(echoed, 'lb-777');
  });

  it('generates an id when none is sent', async () => {
    const { echoed, downstream: calls } = await call({});
    assert.match(echoed ?? '', UUID_V7);
    assert.equal(calls[0]?.['x-correlation-id'], echoed);
  });

  it('replaces a malformed id instead of trusting it', async () => {
    const { echoed, body } = await call({ 'x-correlation-id': `evil value ${'x'.repeat(200)}` });
    assert.match(echoed ?? '', UUID_V7);
    assert.equal(body.inHandler, echoed);
  });

  it('keeps concurrent requests apart', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call({ 'x-correlation-id': `req-${i}` }).then((r) => r.body.afterAwait),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 10 }, (_, i) => `req-${i}`),
    );
  });

  it('does not leak the id outside of requests', () => {
    assert.equal(getCorrelationId(), undefined);
  });
});
