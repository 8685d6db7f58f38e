#!/usr/bin/env node
import type { CliIo } from './audit-commands.ts';
import { runCli } from './run.ts';

const io: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

// Set exitCode instead of calling process.exit so piped stdout is fully written first.
process.exitCode = await runCli(process.argv.slice(2), io);
