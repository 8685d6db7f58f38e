import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LaunchPlan } from './backends.ts';
import { NotReadyError, PortInUseError, StopError } from './errors.ts';
import { indent, readLogTail } from './log-tail.ts';
import type { BackendName } from './obtain.ts';
import { registerOwned, unregisterOwned } from './orphan-registry.ts';
import { isGroupAlive, isPortFree, spawnGroup, stopGroup } from './process-group.ts';
import { formatDuration, report } from './progress.ts';

export interface RunningBackend {
  readonly name: BackendName;
  /** Main HTTP base URL, e.g. http://127.0.0.1:3100. */
  readonly url: string;
  /** Every port it listens on, e.g. { http: 3100, grpc: 9096 }. */
  readonly ports: Readonly<Record<string, number>>;
  /** Graceful stop, SIGKILL after a deadline; resolves once its ports are free. */
  stop(): Promise<void>;
  /** Starts again with the same data dir and ports (outage tests); resolves when ready. */
  start(): Promise<void>;
  logTail(lines?: number): string;
}

/** A plan plus the process group running it (0 = not running). */
export interface BackendRecord {
  readonly plan: LaunchPlan;
  pid: number;
  /** The process whose death should stop this backend; absent for `stack up`, which outlives its CLI. */
  ownerPid?: number;
  /** A temp data dir made for this backend: removed (by the orphan reaper) once its owner is gone. */
  disposableDir?: string;
}

export async function probe(url: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Controls one backend process; `onChange` persists the record (the shared stack's state file). */
export class BackendProcess implements RunningBackend {
  readonly record: BackendRecord;
  readonly #onChange: (record: BackendRecord) => void;

  constructor(record: BackendRecord, onChange: (record: BackendRecord) => void = () => {}) {
    this.record = record;
    this.#onChange = onChange;
  }

  get name(): BackendName {
    return this.record.plan.name;
  }
  get url(): string {
    return this.record.plan.url;
  }
  get ports(): Readonly<Record<string, number>> {
    return this.record.plan.ports;
  }
  get pid(): number {
    return this.record.pid;
  }

  isRunning(): boolean {
    return this.record.pid !== 0 && isGroupAlive(this.record.pid);
  }

  logTail(lines = 40): string {
    return readLogTail(this.record.plan.logFile, lines);
  }

  async start(): Promise<void> {
    if (this.isRunning()) return;
    const { plan } = this.record;
    for (const [role, port] of Object.entries(plan.ports)) {
      if (!(await isPortFree(port))) {
        throw new PortInUseError(
          port,
          `cannot start ${plan.name}: port ${port} (${role}) on 127.0.0.1 is in use by another process. ` +
            'Stop it (`npm run stack -- down` stops a stack left running), or use free ports.',
        );
      }
    }
    mkdirSync(plan.dataDir, { recursive: true });
    if (plan.dataOwner !== undefined) execFileSync('chown', ['-R', `${plan.dataOwner}:`, plan.dataDir]);
    const started = Date.now();
    this.record.pid = spawnGroup(plan.command, plan.args, {
      env: { ...process.env, ...plan.env },
      cwd: plan.dataDir,
      logFile: plan.logFile,
    });
    if (this.record.ownerPid !== undefined) {
      registerOwned({
        pgid: this.record.pid,
        disposableDir: this.record.disposableDir,
        ownerPid: this.record.ownerPid,
        name: plan.name,
        command: plan.command,
      });
    }
    this.#onChange(this.record);
    try {
      await this.#waitReady();
    } catch (error) {
      await stopGroup(this.record.pid, 5000);
      // Kept when there is a temp dir to remove: the reaper removes both once the owner is gone.
      if (this.record.disposableDir === undefined) unregisterOwned(this.record.pid);
      this.record.pid = 0;
      this.#onChange(this.record);
      throw error;
    }
    report(`${plan.name} ready at ${plan.url} in ${formatDuration(Date.now() - started)}`);
  }

  async #waitReady(): Promise<void> {
    const { plan } = this.record;
    const until = Date.now() + plan.startTimeoutMs;
    while (Date.now() < until) {
      if (await probe(plan.readyUrl)) return;
      if (!isGroupAlive(this.record.pid)) {
        throw new NotReadyError(
          `${plan.name} exited before it was ready (${plan.command}); last lines of ${plan.logFile}:\n` +
            indent(this.logTail(40)),
        );
      }
      await sleep(250);
    }
    throw new NotReadyError(
      `${plan.name} did not answer ${plan.readyUrl} within ${formatDuration(plan.startTimeoutMs)}; ` +
        `last lines of ${plan.logFile}:\n${indent(this.logTail(40))}`,
    );
  }

  async stop(): Promise<void> {
    const { plan } = this.record;
    if (this.record.pid !== 0) {
      const outcome = await stopGroup(this.record.pid, plan.stopTimeoutMs);
      if (outcome === 'killed') {
        report(`${plan.name} ignored SIGTERM for ${formatDuration(plan.stopTimeoutMs)}; killed`);
      }
      // Kept when there is a temp dir to remove: the reaper removes both once the owner is gone.
      if (this.record.disposableDir === undefined) unregisterOwned(this.record.pid);
    }
    this.record.pid = 0;
    this.#onChange(this.record);
    // Sockets of a killed process can linger for a moment; callers rely on the ports being free.
    const until = Date.now() + 10_000;
    for (const port of Object.values(plan.ports)) {
      while (!(await isPortFree(port))) {
        if (Date.now() > until) throw new StopError(`${plan.name} stopped but port ${port} is still bound`);
        await sleep(100);
      }
    }
  }
}
