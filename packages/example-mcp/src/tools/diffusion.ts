import { setTimeout as sleep } from 'node:timers/promises';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type ToolContext, textResult } from './context.ts';

/**
 * SIMULATED image generation: no model runs and no image is produced. It sleeps for a time that
 * grows with `steps` (with jitter) and fails at the configured rate, so traffic looks like a slow,
 * occasionally failing GPU service on dashboards.
 */
export function registerDiffusionTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'diffusion.generate',
    {
      title: 'Generate an image (simulated)',
      description:
        'SIMULATED: pretends to run an image-generation model (variable latency, occasional failure) and returns a placeholder, not an image.',
      inputSchema: {
        prompt: z.string().min(1).max(1000),
        steps: z.number().int().min(1).max(100).optional(),
      },
    },
    async ({ prompt, steps }) => {
      const stop = context.metrics.executionDuration.startTimer({ tool: 'diffusion.generate' });
      const effectiveSteps = steps ?? 20;
      const workMs = Math.round(effectiveSteps * (2 + Math.random() * 8));
      await sleep(workMs);
      stop();
      if (Math.random() < context.diffusionFailureRate) {
        context.metrics.executions.inc({ tool: 'diffusion.generate', result: 'failure' });
        return textResult(`simulated failure: out of GPU memory after ${workMs} ms`, true);
      }
      context.metrics.executions.inc({ tool: 'diffusion.generate', result: 'success' });
      return textResult(
        JSON.stringify({
          simulated: true,
          prompt_chars: prompt.length,
          steps: effectiveSteps,
          took_ms: workMs,
        }),
      );
    },
  );
}
