// Shutdown in real processes: SIGTERM flushes the last spans, the way the process ends is the same
// with and without the preload, and a Collector that never answers cannot hold the exit.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { nodeRuntimes } from '../../stack/src/index.ts';
import { getText, startApp } from './helpers/app-process.ts';
import { startOtlpReceiver } from './helpers/otlp-receiver.ts';

// Spans would otherwise wait a minute in the batch queue: only the shutdown flush can deliver them.
const NO_PERIODIC_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '60000' };

// On the current Node and on the oldest one engines.node accepts: exit behaviour must not differ.
for (const runtime of await nodeRuntimes(resolve(import.meta.dirname, '../package.json')))
  describe(`shutdown on ${runtime.label}`, () => {
    it('flushes the last spans on SIGTERM and still ends by SIGTERM', async () => {
      const receiver = await startOtlpReceiver();
      try {
        const app = await startApp({
          nodeBinary: runtime.binary,
          file: 'plain.cjs',
          preload: '-r',
          env: {
            ...NO_PERIODIC_EXPORT,
            OTEL_SERVICE_NAME: 'flush-svc',
            OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          },
        });
        assert.equal((await getText(`http://127.0.0.1:${app.port}/last`)).status, 200);
        assert.equal(receiver.spans.length, 0, 'nothing exported before the signal');
        app.kill('SIGTERM');
        const exit = await app.exited();
        assert.deepEqual(exit, { code: null, signal: 'SIGTERM' });
        assert.ok(
          receiver.spans.some((s) => s.serviceName === 'flush-svc' && s.attributes['url.path'] === '/last'),
          'the last request span reached the receiver before exit',
        );
      } finally {
        await receiver.close();
      }
    });

    for (const preload of ['none', '-r'] as const) {
      it(`without its own handler the app ends by SIGTERM (preload: ${preload})`, async () => {
        const app = await startApp({
          nodeBinary: runtime.binary,
          file: 'plain.cjs',
          preload,
          waitForMetrics: preload !== 'none',
        });
        app.kill('SIGTERM');
        assert.deepEqual(await app.exited(), { code: null, signal: 'SIGTERM' });
      });

      it(`with its own SIGTERM handler the app keeps its behaviour (preload: ${preload})`, async () => {
        const app = await startApp({
          nodeBinary: runtime.binary,
          file: 'service.cjs',
          preload,
          env: { OWN_SIGTERM_HANDLER: '1', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
          waitForMetrics: preload !== 'none',
        });
        app.kill('SIGTERM');
        assert.deepEqual(await app.exited(), { code: 7, signal: null });
        assert.match(app.stderr(), /APP SIGTERM HANDLER/);
      });
    }

    it('ends by SIGINT after flushing when SIGINT is the signal', async () => {
      const app = await startApp({
        nodeBinary: runtime.binary,
        file: 'plain.cjs',
        preload: '-r',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      });
      app.kill('SIGINT');
      assert.deepEqual(await app.exited(), { code: null, signal: 'SIGINT' });
    });

    it('an unreachable Collector neither crashes the app nor holds exit past the deadline', async () => {
      // A TCP server that accepts connections and never answers: the worst kind of dead Collector.
      const sockets: Socket[] = [];
      const blackhole = createServer((socket) => {
        sockets.push(socket);
      });
      blackhole.listen(0, '127.0.0.1');
      await once(blackhole, 'listening');
      const { port } = blackhole.address() as { port: number };
      try {
        const app = await startApp({
          nodeBinary: runtime.binary,
          file: 'plain.cjs',
          preload: '-r',
          env: {
            OTEL_BSP_SCHEDULE_DELAY: '100',
            OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
            TRACETAIL_SHUTDOWN_TIMEOUT: '1000',
          },
        });
        for (let i = 0; i < 5; i++)
          assert.equal((await getText(`http://127.0.0.1:${app.port}/x${i}`)).status, 200);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(
          (await getText(`http://127.0.0.1:${app.port}/still-up`)).status,
          200,
          'app keeps serving',
        );
        const signalled = Date.now();
        app.kill('SIGTERM');
        const exit = await app.exited();
        const took = Date.now() - signalled;
        assert.deepEqual(exit, { code: null, signal: 'SIGTERM' });
        assert.ok(took < 1000 + 1500, `exit took ${took} ms with a 1000 ms deadline`);
      } finally {
        for (const socket of sockets) socket.destroy();
        blackhole.close();
      }
    });

    it('an unreachable Collector does not hold a natural exit (beforeExit) past the deadline', async () => {
      const app = await startApp({
        nodeBinary: runtime.binary,
        file: 'plain.cjs',
        preload: '-r',
        env: {
          EXIT_AFTER_FIRST_REQUEST: '1',
          OTEL_BSP_SCHEDULE_DELAY: '60000',
          // Nothing listens on port 9 (discard) here: connection refused, then retries.
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
          TRACETAIL_SHUTDOWN_TIMEOUT: '1000',
        },
      });
      assert.equal((await getText(`http://127.0.0.1:${app.port}/bye`)).status, 200);
      const answered = Date.now();
      const exit = await app.exited();
      const took = Date.now() - answered;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(took < 1000 + 1500, `exit took ${took} ms after the last request with a 1000 ms deadline`);
    });
  });
