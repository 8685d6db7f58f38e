// Per-item `_bulk` handling and request credentials, answered by an in-process server with scripted
// item statuses (the real Elasticsearch is used by the integration tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElasticsearchSink } from '../src/sinks/elasticsearch.ts';
import { httpServer, makeRecords, testConfig, waitFor, workerFor } from './helpers.ts';

test('201 delivered, 409 counted as delivered, 429 retried alone, 400 dead-lettered with the reason', async () => {
  const bodies: string[][] = [];
  const server = await httpServer((req, body, res) => {
    res.setHeader('x-elastic-product', 'Elasticsearch');
    res.setHeader('content-type', 'application/json');
    if (!req.url?.startsWith('/_bulk')) return res.writeHead(200).end('{"acknowledged":true}');
    const lines = body.toString().trim().split('\n');
    const ids = lines.filter((_, i) => i % 2 === 0).map((l) => JSON.parse(l).create._id as string);
    bodies.push(ids);
    const first = bodies.length === 1;
    const items = ids.map((id) => {
      const n = Number(id.split('-').pop()) / 100;
      if (n === 1)
        return {
          create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } },
        };
      if (n === 2 && first)
        return {
          create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } },
        };
      if (n === 3)
        return {
          create: { status: 400, error: { type: 'document_parsing_exception', reason: 'bad field' } },
        };
      return { create: { status: 201 } };
    });
    res.writeHead(200).end(JSON.stringify({ errors: true, items }));
  });
  const config = testConfig({ elasticsearch: { url: server.url } });
  const { worker, acked, metrics, deadLetters } = workerFor(
    await ElasticsearchSink.create(config.sinks.elasticsearch!),
  );
  worker.start();
  for (const r of makeRecords(5, config)) worker.push(r);
  await waitFor(() => acked.length === 5);
  await worker.stop(Date.now() + 1000);
  await server.close();
  assert.deepEqual(bodies[0], ['file-0', 'file-100', 'file-200', 'file-300', 'file-400']);
  assert.deepEqual(bodies[1], ['file-200'], 'only the 429 item is sent again');
  assert.equal(metrics.duplicates.get({ sink: 'elasticsearch' }), 1);
  assert.equal(metrics.linesShipped.get({ sink: 'elasticsearch' }), 4);
  const dead = deadLetters();
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.reason, 'document_parsing_exception: bad field');
  assert.equal(JSON.parse(dead[0]!.line).message, 'line 3');
});

test('credentials: an API key goes as "ApiKey <encoded>", a user as Basic, on the template and the bulk requests alike', async () => {
  const seen: { url: string; authorization: string | undefined }[] = [];
  const server = await httpServer((req, _body, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.setHeader('x-elastic-product', 'Elasticsearch');
    res.setHeader('content-type', 'application/json');
    if (!req.url?.startsWith('/_bulk')) return res.writeHead(200).end('{"acknowledged":true}');
    res.writeHead(200).end(JSON.stringify({ errors: false, items: [{ create: { status: 201 } }] }));
  });
  try {
    for (const [auth, expected] of [
      [
        { apiKey: 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==' },
        'ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==',
      ],
      [
        { username: 'shipper', password: 'p@ss:word' },
        `Basic ${Buffer.from('shipper:p@ss:word').toString('base64')}`,
      ],
    ] as const) {
      seen.length = 0;
      const config = testConfig({ elasticsearch: { url: server.url, auth } });
      const { worker, acked } = workerFor(await ElasticsearchSink.create(config.sinks.elasticsearch!));
      worker.start();
      worker.push(makeRecords(1, config)[0]!);
      await waitFor(() => acked.length === 1);
      await worker.stop(Date.now() + 1000);
      assert.ok(
        seen.some((r) => r.url.startsWith('/_bulk')) && seen.some((r) => !r.url.startsWith('/_bulk')),
      );
      for (const request of seen) assert.equal(request.authorization, expected, request.url);
    }
  } finally {
    await server.close();
  }
});
