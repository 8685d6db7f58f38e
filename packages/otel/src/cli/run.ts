import { auditQuery, auditVerify, type CliIo, QUERY_USAGE, VERIFY_USAGE } from './audit-commands.ts';
import { CliUsageError, isTracetailCliError } from './errors.ts';

const USAGE = `usage:
  ${VERIFY_USAGE}
  ${QUERY_USAGE}`;

/** Runs the CLI and returns the exit code; `main.ts` itself only wires it to the process. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [group, command, ...rest] = argv;
    if (group === '--help' || group === '-h') {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (group === undefined) throw new CliUsageError(`no command given\n${USAGE}`);
    if (group !== 'audit') throw new CliUsageError(`unknown command "${group}"\n${USAGE}`);
    if (command === 'verify') return await auditVerify(rest, io);
    if (command === 'query') return await auditQuery(rest, io);
    throw new CliUsageError(`unknown audit command "${command ?? ''}"\n${USAGE}`);
  } catch (error) {
    if (isTracetailCliError(error)) {
      io.err(`${error.code}: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(
      `TRACETAIL_ERR_INTERNAL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 70;
  }
}
