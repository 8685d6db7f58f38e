import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendRecord, RunningBackend } from './backend-process.ts';
import { BackendProcess, probe } from './backend-process.ts';
import type { LaunchPlan, PortMap } from './backends.ts';
import { backendSpecs } from './backends.ts';
import { StackConfigError } from './errors.ts';
import { withFileLock } from './file-lock.ts';
import type { BackendName } from './obtain.ts';
import { allBackends, obtain } from './obtain.ts';
import { reapOrphans } from './orphan-registry.ts';
import { defaultStackDir } from './paths.ts';
import { freePorts, isPortFree, terminateGroupNow } from './process-group.ts';
import { report } from './progress.ts';

export type PortChoice = 'standard' | 'free';

export interface StartOptions {
  /** 'free' (default for a private instance): ports nobody uses; 'standard': the documented port map. */
  readonly ports?: PortChoice;
  /** Data dir to use (and keep); a new temp dir by default. */
  readonly dataDir?: string;
}

/** Peers start first, so the Collector and Prometheus are planned with the ports they really got. */
const startOrder: readonly BackendName[] = [
  'jaeger',
  'loki',
  'alertmanager',
  'elasticsearch',
  'collector',
  'prometheus',
  'grafana',
];

export function standardPorts(name: BackendName): PortMap {
  return backendSpecs[name].standardPorts;
}

async function choosePorts(name: BackendName, choice: PortChoice | 'auto'): Promise<PortMap> {
  const standard = standardPorts(name);
  if (choice === 'standard') return standard;
  if (choice === 'auto') {
    const free = await Promise.all(Object.values(standard).map((port) => isPortFree(port)));
    if (free.every(Boolean)) return standard;
  }
  const roles = Object.keys(standard);
  const ports = await freePorts(roles.length);
  const chosen = Object.fromEntries(roles.map((role, i) => [role, ports[i] as number]));
  if (choice === 'auto')
    report(`${name}: a standard port is taken, using free ports ${JSON.stringify(chosen)}`);
  return chosen;
}

function makePlan(
  name: BackendName,
  ports: PortMap,
  dataDir: string,
  peers: (peer: BackendName) => PortMap,
): LaunchPlan {
  mkdirSync(dataDir, { recursive: true });
  const plan = backendSpecs[name].plan({ ports, dataDir, peers });
  return { ...plan, name, ports, dataDir, logFile: join(dataDir, `${name}.log`) };
}

// ---- The state of a stack: which backends run where, shared by every process of a test run ----

interface StackState {
  backends: Partial<Record<BackendName, BackendRecord>>;
}

function stateFile(dir: string): string {
  return join(dir, 'state.json');
}

function loadState(dir: string): StackState {
  const file = stateFile(dir);
  if (!existsSync(file)) return { backends: {} };
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch (error) {
    throw new StackConfigError(`${file} is not valid JSON; delete it after stopping what it lists`, {
      cause: error,
    });
  }
}

function saveState(dir: string, state: StackState): void {
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

function processFor(dir: string, state: StackState, record: BackendRecord): BackendProcess {
  return new BackendProcess(record, (changed) => {
    state.backends[changed.plan.name] = changed;
    saveState(dir, state);
  });
}

function prepareStackDir(dir: string): void {
  mkdirSync(join(dir, 'data'), { recursive: true });
  // Elasticsearch runs as another user when we are root: it must be able to reach its data dir.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'data'), 0o755);
}

/**
 * Starts `names` in the stack at `dir` (reusing those already running there), all in parallel once
 * planned, and records them in the stack's state file so any process can find or stop them.
 */
export async function startStack(
  dir: string,
  names: readonly BackendName[],
  choice: PortChoice | 'auto',
  ownerPid?: number,
): Promise<Record<BackendName, RunningBackend>> {
  await reapOrphans();
  await obtain(names);
  prepareStackDir(dir);
  return withFileLock(join(dir, 'state.lock'), async () => {
    const state = loadState(dir);
    const result: Partial<Record<BackendName, RunningBackend>> = {};
    const toStart: BackendProcess[] = [];
    const peers = (peer: BackendName): PortMap => state.backends[peer]?.plan.ports ?? standardPorts(peer);
    for (const name of startOrder.filter((n) => names.includes(n))) {
      const existing = state.backends[name];
      if (existing !== undefined) {
        const running = processFor(dir, state, existing);
        if (running.isRunning() && (await probe(existing.plan.readyUrl))) {
          result[name] = running;
          continue;
        }
        if (running.isRunning()) await running.stop();
      }
      const plan = makePlan(name, await choosePorts(name, choice), join(dir, 'data', name), peers);
      state.backends[name] =
        ownerPid === undefined ? { plan, pid: 0 } : { plan, pid: 0, ownerPid, disposableDir: plan.dataDir };
      const started = processFor(dir, state, state.backends[name]);
      toStart.push(started);
      result[name] = started;
    }
    saveState(dir, state);
    const outcomes = await Promise.allSettled(toStart.map((backend) => backend.start()));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return result as Record<BackendName, RunningBackend>;
  });
}

/** Stops the backends the stack at `dir` records (all, or `only` those), front ends first, and forgets them. */
export async function stopStack(dir: string, only?: readonly BackendName[]): Promise<BackendName[]> {
  if (!existsSync(stateFile(dir))) return [];
  return withFileLock(join(dir, 'state.lock'), async () => {
    const state = loadState(dir);
    const stopped: BackendName[] = [];
    const failures: unknown[] = [];
    for (const name of [...startOrder].reverse()) {
      const record = state.backends[name];
      if (record === undefined || (only !== undefined && !only.includes(name))) continue;
      try {
        await processFor(dir, state, record).stop();
      } catch (error) {
        // One failed stop (e.g. its port re-bound at once by another stack on a shared machine) must
        // not leave the remaining backends running. A process still alive stays recorded for a retry.
        failures.push(error);
        if (record.pid !== 0) continue;
      }
      delete state.backends[name];
      saveState(dir, state);
      stopped.push(name);
    }
    if (failures.length > 0) throw failures[0];
    return stopped;
  });
}

export interface BackendStatus {
  readonly name: BackendName;
  readonly url: string;
  readonly pid: number;
  readonly running: boolean;
  readonly healthy: boolean;
  readonly logFile: string;
}

export async function stackStatus(dir: string): Promise<BackendStatus[]> {
  const state = loadState(dir);
  const statuses: BackendStatus[] = [];
  for (const name of allBackends) {
    const record = state.backends[name];
    if (record === undefined) continue;
    const backend = new BackendProcess(record);
    const running = backend.isRunning();
    statuses.push({
      name,
      url: record.plan.url,
      pid: record.pid,
      running,
      healthy: running && (await probe(record.plan.readyUrl)),
      logFile: record.plan.logFile,
    });
  }
  return statuses;
}

// ---- The API tests use ----

const privateInstances = new Set<BackendProcess>();
let soloStackDir: string | undefined;

function stopAllOnExit(): void {
  for (const backend of privateInstances) if (backend.pid !== 0) terminateGroupNow(backend.pid);
  if (soloStackDir !== undefined) {
    for (const record of Object.values(loadState(soloStackDir).backends))
      if (record.pid !== 0) terminateGroupNow(record.pid);
  }
}

let exitHooked = false;

/** What this process started on its own is stopped when it exits, however it exits. */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', stopAllOnExit);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopAllOnExit();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

function sharedPortChoice(): PortChoice | 'auto' {
  const fromEnv = process.env.TRACETAIL_STACK_PORTS;
  return fromEnv === 'free' || fromEnv === 'standard' ? fromEnv : 'auto';
}

/**
 * A private instance on its own ports and data dir, for tests that stop and restart a backend.
 * The caller stops it; if it forgets, it is stopped when the process exits.
 */
export async function startBackend(name: BackendName, opts: StartOptions = {}): Promise<RunningBackend> {
  await reapOrphans();
  await obtain([name]);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), `tracetail-${name}-`));
  chmodSync(dataDir, 0o755);
  const sharedDir = process.env.TRACETAIL_STACK_DIR;
  const shared = sharedDir !== undefined ? loadState(sharedDir) : { backends: {} };
  const peers = (peer: BackendName): PortMap =>
    (shared.backends as StackState['backends'])[peer]?.plan.ports ?? standardPorts(peer);
  const plan = makePlan(name, await choosePorts(name, opts.ports ?? 'free'), dataDir, peers);
  const backend = new BackendProcess({
    plan,
    pid: 0,
    ownerPid: process.pid,
    disposableDir: opts.dataDir === undefined ? dataDir : undefined,
  });
  privateInstances.add(backend);
  hookExit();
  await backend.start();
  return backend;
}

/**
 * The backends shared by a whole test run: started once (by scripts/test.ts, or by the first file that
 * asks) and stopped at the end of the run. A file run on its own reuses a stack left up by
 * `npm run stack -- up`, or starts its own and stops it when it exits.
 */
export async function useSharedStack(names: BackendName[]): Promise<Record<BackendName, RunningBackend>> {
  const runDir = process.env.TRACETAIL_STACK_DIR;
  if (runDir !== undefined && runDir !== '') {
    const owner = Number(process.env.TRACETAIL_STACK_OWNER);
    return startStack(
      runDir,
      names,
      sharedPortChoice(),
      Number.isInteger(owner) && owner > 0 ? owner : undefined,
    );
  }
  const cliDir = defaultStackDir();
  const cli = loadState(cliDir);
  const reusable = await Promise.all(
    names.map(async (name) => {
      const record = cli.backends[name];
      return record !== undefined && record.pid !== 0 && (await probe(record.plan.readyUrl))
        ? record
        : undefined;
    }),
  );
  if (reusable.every((record) => record !== undefined)) {
    return Object.fromEntries(
      reusable.map((record) => [record.plan.name, new BackendProcess(record)]),
    ) as unknown as Record<BackendName, RunningBackend>;
  }
  if (soloStackDir === undefined) {
    soloStackDir = mkdtempSync(join(tmpdir(), 'tracetail-solo-'));
    hookExit();
  }
  return startStack(soloStackDir, names, 'auto', process.pid);
}
