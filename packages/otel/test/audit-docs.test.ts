// The README is the audit contract for the tailer, the Elasticsearch mapping and operators: its
// schema table, CLI error codes and MCP metric names must match the code exactly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { AUDIT_EVENT_FIELDS } from '../src/audit/schema.ts';
import {
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCP_SERVER_SESSION_DURATION,
  METRIC_TRACETAIL_MCP_SESSIONS_ACTIVE,
  METRIC_TRACETAIL_MCP_TOOL_CALLS,
} from '../src/mcp/semconv.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`### ${title}`);
  assert.ok(start >= 0, `README has "### ${title}"`);
  const end = readme.indexOf('\n#', start + 4);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe('README matches the code', () => {
  it('lists exactly the audit event fields, in order, with their types and requirement', () => {
    const rows = section('Event schema')
      .split('\n')
      .filter((line) => /^\| `/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    assert.deepEqual(
      rows.map((cells) => [cells[1]?.replaceAll('`', ''), cells[2], cells[3]]),
      AUDIT_EVENT_FIELDS.map((field) => [field.key, field.type, field.required ? 'yes' : 'no']),
    );
  });

  it('documents the CLI error codes', () => {
    const codes = readFileSync(resolve(import.meta.dirname, '../src/cli/errors.ts'), 'utf8').match(
      /TRACETAIL_ERR_[A-Z_]+/g,
    );
    assert.ok(codes !== null && codes.length >= 2);
    for (const code of new Set(codes)) assert.ok(readme.includes(code), `${code} is documented`);
  });

  it('documents the MCP metric names as they appear on /metrics', () => {
    const exposed: Record<string, string> = {
      [METRIC_MCP_SERVER_OPERATION_DURATION]: 'mcp_server_operation_duration_seconds',
      [METRIC_MCP_SERVER_SESSION_DURATION]: 'mcp_server_session_duration_seconds',
      [METRIC_TRACETAIL_MCP_TOOL_CALLS]: 'tracetail_mcp_tool_calls_total',
      [METRIC_TRACETAIL_MCP_SESSIONS_ACTIVE]: 'tracetail_mcp_sessions_active',
    };
    for (const [instrument, name] of Object.entries(exposed)) {
      assert.ok(readme.includes(`\`${instrument}\``), `${instrument} documented`);
      assert.ok(readme.includes(`\`${name}\``), `${name} documented`);
    }
  });
});
