// Liveness and readiness. Live: the event loop answers. Ready: the SDK has started, is not shutting
// down, and every check the app registered (addReadinessCheck) passes within its time limit.
import { extensions } from './extensions.ts';

export type SdkState = 'starting' | 'running' | 'shutting_down' | 'stopped' | 'disabled' | 'failed';

const CHECK_TIMEOUT_MS = 2000;

interface HealthState {
  sdkState: SdkState;
}

const kHealth = Symbol.for('tracetail.otel.health');
const globalStore = globalThis as unknown as Record<symbol, HealthState | undefined>;
const health: HealthState = globalStore[kHealth] ?? { sdkState: 'starting' };
globalStore[kHealth] = health;

export function setSdkState(state: SdkState): void {
  health.sdkState = state;
}

export function sdkState(): SdkState {
  return health.sdkState;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly sdk: SdkState;
  readonly checks: Readonly<Record<string, 'ok' | 'failed' | 'timeout'>>;
}

async function runCheck(check: () => boolean | Promise<boolean>): Promise<'ok' | 'failed' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(check), timeout]);
    if (outcome === 'timeout') return 'timeout';
    return outcome === true ? 'ok' : 'failed';
  } catch {
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(): Promise<ReadinessReport> {
  const names = [...extensions.readinessChecks.keys()];
  const outcomes = await Promise.all(names.map((name) => runCheck(extensions.readinessChecks.get(name)!)));
  const checks: Record<string, 'ok' | 'failed' | 'timeout'> = {};
  names.forEach((name, i) => {
    checks[name] = outcomes[i]!;
  });
  const ready = health.sdkState === 'running' && outcomes.every((outcome) => outcome === 'ok');
  return { ready, sdk: health.sdkState, checks };
}
