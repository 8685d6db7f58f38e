import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { audit } from '@tracetail/otel';
import { z } from 'zod';
import { type HandlerExtra, type ToolContext, textResult } from './context.ts';

const MAX_FILE_BYTES = 64 * 1024;
const MAX_CONTAINERS = 32;

/**
 * DevBench-style actions with audit events. Containers are SIMULATED (a record in memory, no
 * runtime); file writes are real, confined to `<scratch>/<container_id>/`.
 */
export function registerBenchTools(server: McpServer, context: ToolContext): void {
  const containers = new Map<string, { image: string }>();

  const auditFields = (extra: HandlerExtra) => {
    const client = context.client();
    return {
      ...(client === undefined ? {} : { client }),
      ...(extra.sessionId === undefined ? {} : { session_id: extra.sessionId }),
    };
  };

  server.registerTool(
    'bench.spawn',
    {
      title: 'Spawn a container (simulated)',
      description: 'SIMULATED: registers a bench container for an image; audited as container.spawn.',
      inputSchema: { image: z.string().min(1).max(128) },
    },
    async ({ image }, extra: HandlerExtra) => {
      const started = performance.now();
      if (containers.size >= MAX_CONTAINERS) {
        audit.record({
          action: 'container.spawn',
          outcome: 'failure',
          image,
          reason: 'container limit reached',
          ...auditFields(extra),
        });
        return textResult(`container limit (${MAX_CONTAINERS}) reached`, true);
      }
      const id = `c_${randomBytes(6).toString('hex')}`;
      containers.set(id, { image });
      context.metrics.containersRunning.set(containers.size);
      audit.record({
        action: 'container.spawn',
        outcome: 'success',
        container_id: id,
        image,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        ...auditFields(extra),
      });
      return textResult(JSON.stringify({ container_id: id, image, simulated: true }));
    },
  );

  server.registerTool(
    'bench.kill',
    {
      title: 'Kill a container (simulated)',
      description: 'SIMULATED: removes a bench container; audited as container.kill.',
      inputSchema: { container_id: z.string().max(64) },
    },
    async ({ container_id }, extra: HandlerExtra) => {
      const container = containers.get(container_id);
      const found = containers.delete(container_id);
      context.metrics.containersRunning.set(containers.size);
      audit.record({
        action: 'container.kill',
        outcome: found ? 'success' : 'failure',
        container_id,
        ...(container === undefined ? { reason: 'no such container' } : { image: container.image }),
        ...auditFields(extra),
      });
      return found ? textResult(`killed ${container_id}`) : textResult(`no container ${container_id}`, true);
    },
  );

  server.registerTool(
    'bench.write_file',
    {
      title: 'Write a file in the scratch directory',
      description: `Writes text (≤ ${MAX_FILE_BYTES} bytes) to a relative path in the container's scratch directory; audited as fs.write.`,
      inputSchema: {
        container_id: z.string().max(64).optional(),
        path: z.string().min(1).max(256),
        content: z.string(),
      },
    },
    async ({ container_id, path, content }, extra: HandlerExtra) => {
      const started = performance.now();
      const owner = container_id ?? 'shared';
      const base = resolve(context.scratchDir, owner.replace(/[^A-Za-z0-9_-]/g, '_'));
      const target = resolve(base, path);
      const inside = relative(base, target);
      let outcome: 'success' | 'failure' = 'failure';
      let reason: string | undefined;
      try {
        if (isAbsolute(path) || inside.startsWith('..') || inside === '')
          reason = 'path escapes the scratch directory';
        else if (Buffer.byteLength(content) > MAX_FILE_BYTES)
          reason = `content larger than ${MAX_FILE_BYTES} bytes`;
        else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
          outcome = 'success';
        }
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      context.metrics.fsOperations.inc({ operation: 'write' });
      audit.record({
        action: 'fs.write',
        outcome,
        container_id: owner,
        resource: join(owner, path),
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        details: { bytes: Buffer.byteLength(content) },
        ...(reason === undefined ? {} : { reason }),
        ...auditFields(extra),
      });
      return outcome === 'success'
        ? textResult(`wrote ${inside}`)
        : textResult(reason ?? 'write failed', true);
    },
  );
}
