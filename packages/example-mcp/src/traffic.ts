// The traffic driver's engine: opens sessions and calls tools at a steady rate with a configurable
// mix, sending `x-correlation-id` on a share of the calls. The command line is client.ts.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface TrafficOptions {
  readonly url: string;
  /** Tool calls per second across all sessions. */
  readonly rate: number;
  /** Seconds to run; 0 runs until SIGINT/SIGTERM. */
  readonly durationSeconds: number;
  readonly sessions: number;
  /** Relative weights per scenario (see SCENARIOS). */
  readonly mix: Readonly<Record<string, number>>;
  /** Share of calls (0..1) that carry an `x-correlation-id` chosen by the client. */
  readonly correlationShare: number;
}

interface Scenario {
  readonly tool: string;
  args(): Record<string, unknown>;
}

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Mars/Olympus_Mons'];
const EXPRESSIONS = ['1 + 2 * 3', '2 ^ 10', 'sqrt(2) * max(3, 4)', '(1 + 2) / (3 - 3)', '7 % 4', '1 +'];
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** Each scenario includes some calls that fail on purpose (unknown zone, division by zero…). */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'time.now': {
    tool: 'time.now',
    args: () => ({ timezone: pick(ZONES), format: pick(['iso', 'rfc2822', 'unix', 'human']) }),
  },
  'sandbox.exec': { tool: 'sandbox.exec', args: () => ({ expression: pick(EXPRESSIONS) }) },
  'diffusion.generate': {
    tool: 'diffusion.generate',
    args: () => ({
      prompt: pick(['a lighthouse at dusk', 'a red bicycle', 'fog over hills']),
      steps: pick([5, 10, 20]),
    }),
  },
  'bench.write_file': {
    tool: 'bench.write_file',
    args: () => ({ path: `notes/${randomUUID().slice(0, 8)}.txt`, content: 'hello from the traffic driver' }),
  },
};

export const DEFAULT_MIX: Readonly<Record<string, number>> = Object.freeze({
  'time.now': 4,
  'sandbox.exec': 3,
  'diffusion.generate': 2,
  'bench.write_file': 1,
});

export function parseMix(text: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name, weight] = part.split('=').map((s) => s.trim());
    if (name === undefined || !Object.hasOwn(SCENARIOS, name)) {
      throw new Error(
        `--mix: unknown scenario "${name ?? ''}" (known: ${Object.keys(SCENARIOS).join(', ')})`,
      );
    }
    const value = Number(weight ?? '1');
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--mix: weight of ${name} must be a number ≥ 0`);
    mix[name] = value;
  }
  return mix;
}

function chooseScenario(mix: Readonly<Record<string, number>>): Scenario {
  const entries = Object.entries(mix).filter(([, weight]) => weight > 0);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = Math.random() * total;
  for (const [name, weight] of entries) {
    roll -= weight;
    if (roll <= 0) return SCENARIOS[name] as Scenario;
  }
  return SCENARIOS[entries[0]?.[0] ?? 'time.now'] as Scenario;
}

export interface TrafficSummary {
  calls: number;
  byTool: Record<string, { success: number; failure: number }>;
  /** Correlation ids the client chose, so a run can be looked up with `tracetail audit query`. */
  correlationIds: string[];
  errors: number;
}

const outgoingCorrelation = new AsyncLocalStorage<string>();

/** fetch that adds the correlation id chosen for the current call, if any. */
const correlatingFetch: typeof fetch = (input, init) => {
  const id = outgoingCorrelation.getStore();
  if (id === undefined) return fetch(input, init);
  const headers = new Headers(init?.headers);
  headers.set('x-correlation-id', id);
  return fetch(input, { ...init, headers });
};

export async function runTraffic(options: TrafficOptions, signal?: AbortSignal): Promise<TrafficSummary> {
  const summary: TrafficSummary = { calls: 0, byTool: {}, correlationIds: [], errors: 0 };
  const clients: Client[] = [];
  const transports: StreamableHTTPClientTransport[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const client = new Client({ name: 'tracetail-traffic', version: '0.1.0' });
    const transport = new StreamableHTTPClientTransport(new URL(options.url), { fetch: correlatingFetch });
    await client.connect(transport);
    clients.push(client);
    transports.push(transport);
  }
  const interval = 1000 / options.rate;
  const deadline =
    options.durationSeconds > 0 ? Date.now() + options.durationSeconds * 1000 : Number.POSITIVE_INFINITY;
  const inFlight = new Set<Promise<void>>();
  let next = Date.now();
  while (Date.now() < deadline && signal?.aborted !== true) {
    const scenario = chooseScenario(options.mix);
    const client = clients[summary.calls % clients.length] as Client;
    const correlationId = Math.random() < options.correlationShare ? `traffic-${randomUUID()}` : undefined;
    if (correlationId !== undefined && summary.correlationIds.length < 1000)
      summary.correlationIds.push(correlationId);
    summary.calls += 1;
    const counts = summary.byTool[scenario.tool] ?? { success: 0, failure: 0 };
    summary.byTool[scenario.tool] = counts;
    const call = async () => {
      try {
        const result = await client.callTool({ name: scenario.tool, arguments: scenario.args() });
        if (result.isError === true) counts.failure += 1;
        else counts.success += 1;
      } catch {
        counts.failure += 1;
        summary.errors += 1;
      }
    };
    const pending = (
      correlationId === undefined ? call() : outgoingCorrelation.run(correlationId, call)
    ).finally(() => inFlight.delete(pending));
    inFlight.add(pending);
    next += interval;
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
  // DELETE the sessions so the server sees them end (mcp.server.session.duration, active sessions).
  for (const transport of transports) await transport.terminateSession().catch(() => {});
  for (const client of clients) await client.close();
  return summary;
}
