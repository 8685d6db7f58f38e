// Elasticsearch: documents bulk-indexed are found by a search.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RunningBackend } from '@tracetail/stack';
import { useSharedStack } from '@tracetail/stack';
import { getJson, hexId } from './poll.ts';

describe('Elasticsearch', { timeout: 180_000 }, () => {
  let es: RunningBackend;
  before(async () => {
    ({ elasticsearch: es } = await useSharedStack(['elasticsearch']));
  });

  it('finds a bulk-indexed document by a match query', async () => {
    const index = `stack-test-${hexId(4)}`;
    const traceId = hexId(16);
    const lines = [
      { create: { _index: index } },
      { '@timestamp': new Date().toISOString(), message: 'refund issued', 'trace.id': traceId },
      { create: { _index: index } },
      { '@timestamp': new Date().toISOString(), message: 'cart emptied', 'trace.id': hexId(16) },
    ];
    const bulk = await getJson<{ errors: boolean; items: unknown[] }>(`${es.url}/_bulk?refresh=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
    });
    assert.equal(bulk.status, 200);
    assert.equal(bulk.body.errors, false, JSON.stringify(bulk.body.items));
    const search = await getJson<{
      hits: { total: { value: number }; hits: Array<{ _source: Record<string, string> }> };
    }>(`${es.url}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { match: { message: 'refund' } } }),
    });
    assert.equal(search.status, 200);
    assert.equal(search.body.hits.total.value, 1);
    assert.equal(search.body.hits.hits[0]?._source['trace.id'], traceId);
    const deleted = await fetch(`${es.url}/${index}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
  });
});
