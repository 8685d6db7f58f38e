// Traffic driver for the example MCP service (the command line; the engine is traffic.ts): opens
// sessions and calls tools at a steady rate with a configurable mix, sending `x-correlation-id` on a
// share of the calls. Prints a JSON summary.
//   node packages/example-mcp/dist/client.js --url http://127.0.0.1:3000/mcp --rate 5 --duration 30
import { parseArgs } from 'node:util';
import { DEFAULT_MIX, parseMix, runTraffic, type TrafficOptions } from './traffic.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.MCP_URL ?? 'http://127.0.0.1:3000/mcp' },
      rate: { type: 'string', default: process.env.TRAFFIC_RATE ?? '5' },
      duration: { type: 'string', default: process.env.TRAFFIC_DURATION ?? '30' },
      sessions: { type: 'string', default: process.env.TRAFFIC_SESSIONS ?? '2' },
      mix: { type: 'string', default: process.env.TRAFFIC_MIX ?? '' },
      'correlation-share': { type: 'string', default: process.env.TRAFFIC_CORRELATION_SHARE ?? '0.5' },
    },
    strict: true,
  });
  const number = (name: string, raw: string, min: number, max: number): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new Error(`--${name}: expected a number in [${min}, ${max}]`);
    return value;
  };
  const options: TrafficOptions = {
    url: values.url,
    rate: number('rate', values.rate, 0.01, 10_000),
    durationSeconds: number('duration', values.duration, 0, 86_400),
    sessions: Math.round(number('sessions', values.sessions, 1, 100)),
    mix: values.mix === '' ? DEFAULT_MIX : parseMix(values.mix),
    correlationShare: number('correlation-share', values['correlation-share'], 0, 1),
  };
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const summary = await runTraffic(options, controller.signal);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`traffic: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
