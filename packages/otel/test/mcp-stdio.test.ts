// The MCP instrumentation over stdio (the other transport than mcp.test.ts), in both module formats:
// the SDK's CommonJS build under `-r`, and its ES module build under `--import` (the example service
// of mcp.test.ts and the end-to-end tests builds to CommonJS, so this is where ES modules are covered).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type OtlpReceiver, startOtlpReceiver } from './helpers/otlp-receiver.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures');

const variants = [
  { format: 'CommonJS', preload: '-r', fixture: 'mcp-stdio-server.cjs' },
  { format: 'ES module', preload: '--import', fixture: 'mcp-stdio-server.mjs' },
] as const;

for (const { format, preload, fixture } of variants) {
  describe(`MCP instrumentation over stdio (${format}, ${preload} preload)`, () => {
    let receiver: OtlpReceiver;
    let auditFile: string;
    const results: { echo?: unknown; boom?: unknown } = {};

    before(async () => {
      receiver = await startOtlpReceiver();
      auditFile = join(mkdtempSync(join(tmpdir(), 'tracetail-mcp-stdio-')), 'audit.jsonl');
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [preload, '@tracetail/otel/register', join(fixtures, fixture)],
        cwd: fixtures,
        stderr: 'pipe',
        env: {
          PATH: process.env.PATH ?? '',
          OTEL_SERVICE_NAME: 'mcp-stdio-test',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          TRACETAIL_AUDIT_FILE: auditFile,
          TRACETAIL_AUDIT_MODE: 'sync',
        },
      });
      const client = new Client({ name: 'stdio-test-client', version: '1.0.0' });
      await client.connect(transport);
      results.echo = await client.callTool({ name: 'echo', arguments: {} });
      results.boom = await client.callTool({ name: 'boom', arguments: {} });
      await client.close();
    });

    after(async () => {
      await receiver?.close();
    });

    it('creates spans with network.transport=pipe and flags the throwing tool', async () => {
      const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === 'tools/call boom'));
      const echo = spans.find((s) => s.name === 'tools/call echo');
      const boom = spans.find((s) => s.name === 'tools/call boom');
      assert.equal(echo?.attributes['network.transport'], 'pipe');
      assert.equal(echo?.attributes['mcp.session.id'], undefined, 'stdio has no session id');
      assert.equal(echo?.attributes['error.type'], undefined);
      assert.equal(boom?.attributes['error.type'], 'tool_error');
      assert.equal(boom?.serviceName, 'mcp-stdio-test');
    });

    it('audits both calls with the client from initialize', () => {
      assert.ok(existsSync(auditFile));
      const events = readFileSync(auditFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(
        events.map((e) => [e['event.action'], e.tool_name, e['event.outcome'], e.client_name]),
        [
          ['tool.call', 'echo', 'success', 'stdio-test-client'],
          ['tool.call', 'boom', 'failure', 'stdio-test-client'],
        ],
      );
      assert.equal(events[1]?.['event.reason'], 'boom on purpose');
    });
  });
}
