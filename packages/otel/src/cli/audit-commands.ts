import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { queryAuditFiles } from '../audit/query.ts';
import { verifyAuditFiles } from '../audit/verify.ts';
import { AuditFileError, CliUsageError } from './errors.ts';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Expands directories to the audit files inside (`*.jsonl`) and checks every path exists. */
export function expandAuditPaths(paths: readonly string[]): string[] {
  if (paths.length === 0)
    throw new CliUsageError('no audit files given (e.g. audit/*.jsonl or the audit directory)');
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new AuditFileError(`cannot read ${path}: no such file or directory`);
    }
    if (!isDirectory) files.push(path);
    else for (const name of readdirSync(path)) if (name.endsWith('.jsonl')) files.push(join(path, name));
  }
  if (files.length === 0) throw new AuditFileError(`no *.jsonl audit files in ${paths.join(', ')}`);
  return files;
}

export const VERIFY_USAGE =
  'tracetail audit verify [--allow-partial] [--key-file <path>] [--json] <files or directories...>';
export const QUERY_USAGE =
  'tracetail audit query --correlation-id <id> [--action <action>] [--session-id <id>] [--pretty] <files or directories...>';

/** Exit 0 when every chain link holds, 1 at the first broken link (printed), 2 on usage errors. */
export async function auditVerify(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(
    argv,
    {
      'allow-partial': { type: 'boolean' },
      'key-file': { type: 'string' },
      json: { type: 'boolean' },
    },
    VERIFY_USAGE,
  );
  const keyFile = values['key-file'];
  const key = typeof keyFile === 'string' ? readKey(keyFile) : undefined;
  const result = await verifyAuditFiles(expandAuditPaths(positionals), {
    allowPartial: values['allow-partial'] === true,
    ...(key === undefined ? {} : { key }),
  });
  if (values.json === true) {
    io.out(`${JSON.stringify(result)}\n`);
  } else if (result.ok) {
    io.out(`OK: ${result.events} events in ${result.files.length} file(s), hash chain intact\n`);
  } else if (result.firstBreak !== undefined) {
    const b = result.firstBreak;
    io.out(`BROKEN: ${b.file}:${b.line}: ${b.reason}: ${b.detail}\n`);
    io.out(`(${result.events} events verified before the break)\n`);
  }
  return result.ok ? 0 : 1;
}

/** Prints matching events as JSON lines; exit 0 if any matched, 1 if none (like grep). */
export async function auditQuery(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli(
    argv,
    {
      'correlation-id': { type: 'string' },
      action: { type: 'string' },
      'session-id': { type: 'string' },
      pretty: { type: 'boolean' },
    },
    QUERY_USAGE,
  );
  const correlationId = values['correlation-id'];
  if (typeof correlationId !== 'string' || correlationId === '') {
    throw new CliUsageError(`--correlation-id is required\nusage: ${QUERY_USAGE}`);
  }
  let matched = 0;
  for await (const event of queryAuditFiles(expandAuditPaths(positionals), {
    correlationId,
    ...(typeof values.action === 'string' ? { action: values.action } : {}),
    ...(typeof values['session-id'] === 'string' ? { sessionId: values['session-id'] } : {}),
  })) {
    matched += 1;
    io.out(values.pretty === true ? `${JSON.stringify(event, null, 2)}\n` : `${JSON.stringify(event)}\n`);
  }
  io.err(`${matched} event(s) with correlation_id ${correlationId}\n`);
  return matched > 0 ? 0 : 1;
}

/** The key as the writer reads it (TRACETAIL_AUDIT_HMAC_KEY_FILE): file content, trimmed. */
function readKey(path: string): Buffer {
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'utf8');
  } catch {
    throw new AuditFileError(`cannot read the key file ${path}`);
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parseCli(argv: readonly string[], options: OptionSpec, usage: string) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliUsageError(`${message}\nusage: ${usage}`);
  }
}
