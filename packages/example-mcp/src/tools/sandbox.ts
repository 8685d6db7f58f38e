import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { audit } from '@tracetail/otel';
import { z } from 'zod';
import { type HandlerExtra, type ToolContext, textResult } from './context.ts';
import { evaluateExpression } from './expression.ts';

/** The sandbox "image": a bounded expression evaluator, not a real container. */
export const SANDBOX_IMAGE = 'tracetail/expression-sandbox:1';

export function registerSandboxTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'sandbox.exec',
    {
      title: 'Evaluate an expression',
      description:
        'Evaluates a small arithmetic expression language (numbers, + - * / % ^, parentheses, abs sqrt round floor ceil min max). Never runs code.',
      inputSchema: {
        expression: z.string().max(256),
        container_id: z.string().max(64).optional(),
      },
    },
    async ({ expression, container_id }, extra: HandlerExtra) => {
      const stop = context.metrics.executionDuration.startTimer({ tool: 'sandbox.exec' });
      const started = performance.now();
      let outcome: 'success' | 'failure' = 'failure';
      let reason: string | undefined;
      try {
        const value = evaluateExpression(expression);
        outcome = 'success';
        return textResult(String(value));
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
        // Thrown on purpose: the SDK turns it into an isError result, which the tests rely on.
        throw error;
      } finally {
        stop();
        context.metrics.executions.inc({ tool: 'sandbox.exec', result: outcome });
        const client = context.client();
        audit.record({
          action: 'exec.start',
          outcome,
          ...(client === undefined ? {} : { client }),
          ...(extra.sessionId === undefined ? {} : { session_id: extra.sessionId }),
          container_id: container_id ?? 'sandbox-local',
          image: SANDBOX_IMAGE,
          resource: expression.slice(0, 256),
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
          ...(reason === undefined ? {} : { reason }),
        });
      }
    },
  );
}
