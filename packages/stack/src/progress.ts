// Long steps (builds, downloads) print a line at start, every interval, and at the end, so CI logs
// show the run is alive and where the time goes.

export type ProgressSink = (line: string) => void;

let sink: ProgressSink = (line) => process.stderr.write(`${line}\n`);

/** Redirects progress lines (the CLI and tests keep the default: stderr). */
export function setProgressSink(next: ProgressSink): void {
  sink = next;
}

export function report(line: string): void {
  sink(`[stack] ${line}`);
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

const intervalMs = Number(process.env.TRACETAIL_PROGRESS_INTERVAL_MS ?? 15_000);

export async function withProgress<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  report(`${label}…`);
  const timer = setInterval(() => report(`${label}… ${formatDuration(Date.now() - started)}`), intervalMs);
  timer.unref();
  try {
    const result = await step();
    report(`${label}: done in ${formatDuration(Date.now() - started)}`);
    return result;
  } catch (error) {
    report(`${label}: failed after ${formatDuration(Date.now() - started)}`);
    throw error;
  } finally {
    clearInterval(timer);
  }
}
