import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { sortAuditFiles } from './files.ts';

export interface QueryOptions {
  readonly correlationId?: string;
  readonly action?: string;
  readonly sessionId?: string;
}

/**
 * Yields the audit events of the files (in rotation order) that match every given filter. Lines
 * that do not parse are skipped here; `audit verify` is the tool that reports them.
 */
export async function* queryAuditFiles(
  paths: readonly string[],
  options: QueryOptions,
): AsyncGenerator<Record<string, unknown>> {
  for (const file of sortAuditFiles(paths)) {
    const lines = createInterface({
      input: createReadStream(file, { encoding: 'utf8' }),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (options.correlationId !== undefined && event.correlation_id !== options.correlationId) continue;
      if (options.action !== undefined && event['event.action'] !== options.action) continue;
      if (options.sessionId !== undefined && event.session_id !== options.sessionId) continue;
      yield event;
    }
  }
}
