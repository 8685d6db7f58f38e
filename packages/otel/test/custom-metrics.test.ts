// The custom metric helpers in a real process: declared under the preload, scraped from /metrics
// under exactly the declared names; and their coded errors, which the README lists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { TRACETAIL_ERROR_CODES } from '../src/errors.ts';
import { counter, gauge, histogram, isTracetailError } from '../src/index.ts';

describe('custom metrics helpers', () => {
  it('reject bad names and undeclared labels with coded errors', () => {
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return isTracetailError(error) ? error.code : 'not a TracetailError';
      }
      return undefined;
    };
    assert.equal(
      codeOf(() => counter('mcp_executions')),
      'TRACETAIL_ERR_INVALID_METRIC_NAME',
    );
    assert.equal(
      codeOf(() => histogram('Bad-Name')),
      'TRACETAIL_ERR_INVALID_METRIC_NAME',
    );
    assert.equal(
      codeOf(() => gauge('ok_gauge', { labels: ['Bad-Label'] })),
      'TRACETAIL_ERR_INVALID_LABELS',
    );
    const executions = counter('unit_executions_total', { labels: ['tool'] });
    assert.equal(
      codeOf(() => executions.inc({ tool: 'a', other: 'b' })),
      'TRACETAIL_ERR_INVALID_LABELS',
    );
    assert.equal(
      codeOf(() => executions.inc({ tool: 'a' })),
      undefined,
    );
  });

  it('the README lists exactly the error codes of errors.ts', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
    // The rows of the table under "### Errors" (other sections document the CLI's own codes).
    const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## Configuration'));
    const documented = [...section.matchAll(/^\| `(TRACETAIL_ERR_[A-Z_]+)`\s+\|/gm)].map((m) => m[1]);
    assert.deepEqual(documented, [...TRACETAIL_ERROR_CODES]);
  });
});
