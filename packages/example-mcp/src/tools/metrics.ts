import { counter, gauge, histogram } from '@tracetail/otel';

/**
 * DevBench-style custom metrics, named as they appear on /metrics. Created by `createToolMetrics()`
 * at server start, after the preload started the SDK (instruments made earlier would be no-ops).
 */
export interface ToolMetrics {
  /** `mcp_executions_total{tool,result}`: sandbox/bench executions by result (success|failure). */
  readonly executions: ReturnType<typeof counter>;
  /** `mcp_execution_duration_seconds{tool}`: execution duration histogram. */
  readonly executionDuration: ReturnType<typeof histogram>;
  /** `mcp_containers_running`: simulated bench containers alive. */
  readonly containersRunning: ReturnType<typeof gauge>;
  /** `mcp_fs_operations_total{operation}`: scratch-directory file operations. */
  readonly fsOperations: ReturnType<typeof counter>;
}

export function createToolMetrics(): ToolMetrics {
  return Object.freeze({
    executions: counter('mcp_executions_total', {
      description: 'Tool executions by tool and result',
      labels: ['tool', 'result'],
    }),
    executionDuration: histogram('mcp_execution_duration_seconds', {
      description: 'Tool execution duration',
      labels: ['tool'],
    }),
    containersRunning: gauge('mcp_containers_running', { description: 'Simulated bench containers running' }),
    fsOperations: counter('mcp_fs_operations_total', {
      description: 'Scratch-directory file operations by operation',
      labels: ['operation'],
    }),
  });
}
