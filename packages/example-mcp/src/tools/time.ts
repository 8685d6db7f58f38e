import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { textResult } from './context.ts';

export const TIME_FORMATS = ['iso', 'rfc2822', 'unix', 'human'] as const;

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Formats `now` in a time zone; returns undefined for an unknown zone. */
export function formatTime(
  now: Date,
  timeZone: string,
  format: (typeof TIME_FORMATS)[number],
): string | undefined {
  if (!isValidTimeZone(timeZone)) return undefined;
  if (format === 'unix') return String(Math.floor(now.getTime() / 1000));
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
    weekday: 'short',
  }).formatToParts(now);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  const offset = get('timeZoneName').replace('GMT', '') || '+00:00';
  if (format === 'human') {
    return new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'full', timeStyle: 'long' }).format(now);
  }
  if (format === 'rfc2822') {
    const month = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short' }).format(now);
    return `${get('weekday')}, ${get('day')} ${month} ${get('year')} ${get('hour')}:${get('minute')}:${get('second')} ${offset.replace(':', '')}`;
  }
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset}`;
}

export function registerTimeTool(server: McpServer): void {
  server.registerTool(
    'time.now',
    {
      title: 'Current time',
      description: 'Current time in an IANA time zone (default UTC), as iso, rfc2822, unix or human text.',
      inputSchema: {
        timezone: z.string().max(64).optional().describe('IANA zone, e.g. Europe/Paris'),
        format: z.enum(TIME_FORMATS).optional(),
      },
    },
    async ({ timezone, format }) => {
      const zone = timezone ?? 'UTC';
      const text = formatTime(new Date(), zone, format ?? 'iso');
      // An unknown zone is the caller's mistake: reported as a tool error result, not an exception.
      if (text === undefined) return textResult(`unknown time zone "${zone}"`, true);
      return textResult(text);
    },
  );
}
