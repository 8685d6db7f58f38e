// The launcher API the outage tests rely on: a private instance on free ports, stopped (ports freed)
// and started again with the same data, and clear errors for a port that is taken.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import type { RunningBackend } from '@tracetail/stack';
import { reapOrphans, standardPorts, startBackend } from '@tracetail/stack';
import { eventually, getJson, hexId, postJson } from './poll.ts';

async function canConnect(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

describe('private backend instances', { timeout: 120_000 }, () => {
  let loki: RunningBackend | undefined;
  after(async () => {
    await loki?.stop();
  });

  it('runs on free ports, keeps its data across stop/start, and frees its ports when stopped', async () => {
    loki = await startBackend('loki', { ports: 'free' });
    assert.notEqual(loki.ports.http, standardPorts('loki').http);
    assert.equal(loki.url, `http://127.0.0.1:${loki.ports.http}`);
    const job = `lifecycle-${hexId(4)}`;
    const pushed = await postJson(`${loki.url}/loki/api/v1/push`, {
      streams: [{ stream: { job }, values: [[String(Date.now() * 1_000_000), 'before the outage']] }],
    });
    assert.equal(pushed.status, 204);

    await loki.stop();
    assert.equal(await canConnect(loki.ports.http!), false, 'Loki still answers after stop()');
    assert.match(loki.logTail(200), /Loki stopped|stopping|shutting down/i);

    await loki.start();
    const start = String((Date.now() - 600_000) * 1_000_000);
    const lines = await eventually('the line pushed before the restart', async () => {
      const result = await getJson<{ data: { result: Array<{ values: Array<[string, string]> }> } }>(
        `${loki!.url}/loki/api/v1/query_range?query=${encodeURIComponent(`{job="${job}"}`)}&start=${start}`,
      );
      const values = result.body.data.result.flatMap((s) => s.values.map((v) => v[1]));
      return values.length > 0 ? values : undefined;
    });
    assert.deepEqual(lines, ['before the outage']);
  });

  it('refuses to start on a port another process holds, naming the port', async () => {
    const instance = await startBackend('alertmanager', { ports: 'free' });
    await instance.stop();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(instance.ports.http, '127.0.0.1', r));
    try {
      await assert.rejects(instance.start(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TRACETAIL_ERR_STACK_PORT_IN_USE');
        assert.match(error.message, new RegExp(`port ${instance.ports.http}\\b`));
        return true;
      });
    } finally {
      await new Promise((r) => squatter.close(r));
      await instance.stop();
    }
  });

  it('stops a backend whose owner was SIGKILLed, the next time backends are started', async () => {
    const owner = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { startBackend } from '@tracetail/stack';
         const am = await startBackend('alertmanager', { ports: 'free' });
         console.log(JSON.stringify({ port: am.ports.http }));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [chunk] = (await once(owner.stdout!, 'data')) as [Buffer];
    const { port } = JSON.parse(chunk.toString()) as { port: number };
    assert.equal(await canConnect(port), true, 'the owner started Alertmanager');
    owner.kill('SIGKILL');
    await once(owner, 'exit');
    assert.equal(await canConnect(port), true, 'Alertmanager outlives a SIGKILLed owner by itself');
    await reapOrphans();
    assert.equal(await canConnect(port), false, 'reapOrphans left Alertmanager running');
  });
});
