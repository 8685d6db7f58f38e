// A missing prerequisite stops the launcher with one message that names it and how to get it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '@tracetail/stack';

function stackCli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stderr: string } {
  const cache = mkdtempSync(join(tmpdir(), 'tracetail-prereq-'));
  try {
    const result = spawnSync(process.execPath, [join(repoRoot, 'packages/stack/src/cli.ts'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, TRACETAIL_CACHE: cache, TRACETAIL_STACK_HOME: join(cache, 'stack'), ...env },
    });
    return { status: result.status, stderr: result.stderr };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

describe('prerequisites', () => {
  it('no Go: names Go, the version needed and where to get it', () => {
    const { status, stderr } = stackCli(['obtain', 'jaeger'], { TRACETAIL_GO: '/nonexistent/go' });
    assert.equal(status, 1);
    assert.match(stderr, /TRACETAIL_ERR_STACK_PREREQUISITE: Go 1\.26\.5 or newer is needed .* go\.dev\/dl/);
  });

  it('a too-old JDK for Elasticsearch: names the JDK, the version needed and how to get one', () => {
    const { status, stderr } = stackCli(['obtain', 'elasticsearch'], { ES_JAVA_HOME: '/nonexistent/jdk' });
    assert.equal(status, 1);
    assert.match(
      stderr,
      /TRACETAIL_ERR_STACK_PREREQUISITE: Elasticsearch .* needs a JDK 21 or newer, but ES_JAVA_HOME=\/nonexistent\/jdk is not a JDK home\. Install one/,
    );
  });

  it('an unknown backend name is refused with the list of names', () => {
    const { status, stderr } = stackCli(['up', 'mongodb'], {});
    assert.equal(status, 1);
    assert.match(stderr, /unknown backend "mongodb"; choose from collector, jaeger, loki/);
  });
});
