// npm run stack -- <up|down|status|obtain|logs> [backend…]

import { StackError } from './errors.ts';
import { readLogTail } from './log-tail.ts';
import type { BackendName } from './obtain.ts';
import { allBackends, defaultBackends, obtain } from './obtain.ts';
import { defaultStackDir } from './paths.ts';
import { stackStatus, startStack, stopStack } from './stack.ts';

const usage = `usage: npm run stack -- <command> [backend…]

  up [backend…]      obtain (install/build/download, cached) and start the backends in the background
  down               stop everything \`up\` started
  status             each backend, its URL and health (exit 1 if any is unhealthy)
  obtain [backend…]  only obtain them into the cache (${process.env.TRACETAIL_CACHE ?? '~/.cache/tracetail'})
  logs <backend>     the last lines of a backend's log

backends: ${allBackends.join(', ')} (default: ${defaultBackends.join(', ')})
state and data: ${defaultStackDir()} (TRACETAIL_STACK_HOME)`;

function parseNames(args: readonly string[]): BackendName[] {
  if (args.length === 0) return [...defaultBackends];
  for (const arg of args) {
    if (!(allBackends as readonly string[]).includes(arg)) {
      throw new StackError(
        'TRACETAIL_ERR_STACK_CONFIG',
        `unknown backend "${arg}"; choose from ${allBackends.join(', ')}`,
      );
    }
  }
  return args as BackendName[];
}

async function printStatus(): Promise<boolean> {
  const statuses = await stackStatus(defaultStackDir());
  if (statuses.length === 0) {
    console.log('no backend is running (start them with `npm run stack -- up`)');
    return false;
  }
  const width = Math.max(...statuses.map((s) => s.name.length));
  for (const s of statuses) {
    const health = s.healthy ? 'healthy' : s.running ? 'UNHEALTHY' : 'STOPPED';
    console.log(
      `${s.name.padEnd(width)}  ${health.padEnd(9)}  ${s.url.padEnd(24)}  pid ${s.pid}  log ${s.logFile}`,
    );
  }
  return statuses.every((s) => s.healthy);
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const dir = defaultStackDir();
      const names = parseNames(rest);
      const alreadyUp = (await stackStatus(dir)).filter((s) => s.healthy).map((s) => s.name);
      try {
        await startStack(dir, names, 'standard');
      } catch (error) {
        const startedNow = names.filter((name) => !alreadyUp.includes(name));
        console.error(`stack up failed; stopping what it started (${startedNow.join(', ') || 'nothing'}).`);
        await stopStack(dir, startedNow);
        throw error;
      }
      return (await printStatus()) ? 0 : 1;
    }
    case 'down': {
      const stopped = await stopStack(defaultStackDir());
      console.log(stopped.length === 0 ? 'nothing was running' : `stopped ${stopped.join(', ')}`);
      return 0;
    }
    case 'status':
      return (await printStatus()) ? 0 : 1;
    case 'obtain':
      await obtain(parseNames(rest));
      return 0;
    case 'logs': {
      const statuses = await stackStatus(defaultStackDir());
      const wanted = statuses.find((s) => s.name === rest[0]);
      if (wanted === undefined) {
        console.error(`no running stack has "${rest[0] ?? ''}"`);
        return 1;
      }
      console.log(readLogTail(wanted.logFile, 100));
      return 0;
    }
    default:
      console.error(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof StackError) {
    console.error(`${error.code}: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
