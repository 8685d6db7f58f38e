import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts a backend in its own process group, detached from ours, with stdout and stderr in its log
 * file. Its own group lets one signal reach everything it forks (Elasticsearch's CLI forks the server
 * JVM); detached lets a backend started by one test file outlive that file for the rest of the run.
 */
export function spawnGroup(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
): number {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.on('error', () => {
      // Reported through the readiness wait, which sees the group gone and quotes the log.
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Live (non-zombie) members of a process group; zombies hold no ports and will be reaped. */
export function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, pgrp, …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

export function isGroupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the group, SIGKILL to what is left after the deadline; resolves when none is alive. */
export async function stopGroup(pgid: number, deadlineMs: number): Promise<'terminated' | 'killed' | 'gone'> {
  if (!isGroupAlive(pgid)) return 'gone';
  signalGroup(pgid, 'SIGTERM');
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (!isGroupAlive(pgid)) return 'terminated';
    await sleep(100);
  }
  signalGroup(pgid, 'SIGKILL');
  const killUntil = Date.now() + 5000;
  while (Date.now() < killUntil && isGroupAlive(pgid)) await sleep(100);
  return 'killed';
}

/** Synchronous last-resort stop for process exit handlers, where nothing can be awaited. */
export function terminateGroupNow(pgid: number): void {
  signalGroup(pgid, 'SIGTERM');
}

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolvePromise(true)),
    );
  });
}

/** `count` distinct free loopback ports, held open together so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolvePromise, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolvePromise(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
  return ports;
}
