#!/usr/bin/env -S node --max-semi-space-size=2 --max-old-space-size=96
// tracetail-tail --config tailer.yaml [--check-config | --dry-run]
// The V8 flags above keep the young generation small: the default (64 MiB semi-spaces on big hosts)
// alone would take the RSS past the 150 MB target. Launching with plain `node` loses them; see README.
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.ts';
import { TailerError } from './errors.ts';
import { createLogger } from './observe/logger.ts';
import { Tailer } from './pipeline/tailer.ts';

const usage = `usage: tracetail-tail --config <tailer.yaml> [--check-config] [--dry-run]

  --config, -c     config file (YAML); \${NAME} in values is replaced by the environment variable NAME
  --check-config   validate the config, print "config ok" and exit (exit 2 on errors)
  --dry-run        read the files once and print what would be sent to each sink; sends nothing,
                   writes no checkpoint
`;

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        config: { type: 'string', short: 'c' },
        'check-config': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
  }
  try {
    args = parse();
  } catch (error) {
    process.stderr.write(`tracetail-tail: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (!args.values.config) {
    process.stderr.write(`tracetail-tail: --config is required\n${usage}`);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(args.values.config);
  } catch (error) {
    if (error instanceof TailerError) {
      for (const line of error.message.split('\n'))
        process.stderr.write(`tracetail-tail: config error: ${line}\n`);
      return 2;
    }
    throw error;
  }
  if (args.values['check-config']) {
    process.stdout.write('config ok\n');
    return 0;
  }
  const logger = createLogger(config.log.level);
  const tailer = new Tailer(config, { logger, dryRun: args.values['dry-run'] });
  let signals = 0;
  const onSignal = (signal: string) => {
    signals++;
    if (signals > 1) {
      logger.warn('second signal; exiting now', { signal });
      process.exit(1);
    }
    logger.info('shutting down', { signal, deadlineMs: config.shutdown.deadlineMs });
    void tailer.stop();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  try {
    await tailer.start();
  } catch (error) {
    logger.error('cannot start', { error });
    return 1;
  }
  await tailer.done;
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tracetail-tail: fatal: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
