import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { GENESIS_HASH, hashAuditEvent } from './canonical.ts';
import { sortAuditFiles } from './files.ts';

export type ChainBreakReason =
  | 'unparseable-line'
  | 'empty-line'
  | 'missing-hash'
  | 'hash-mismatch'
  | 'prev-hash-mismatch'
  | 'chain-not-at-genesis'
  | 'unreadable-file';

export interface ChainBreak {
  readonly file: string;
  /** 1-based line number in `file`. */
  readonly line: number;
  readonly reason: ChainBreakReason;
  readonly detail: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Files in the order they were checked (rotation order, oldest first). */
  readonly files: readonly string[];
  readonly events: number;
  readonly firstBreak?: ChainBreak;
}

export interface VerifyOptions {
  /** Accept a first event whose `prev_hash` is not genesis (older files were pruned on purpose). */
  readonly allowPartial?: boolean;
}

const HEX64 = /^[0-9a-f]{64}$/;

const EXPLAIN: Record<Exclude<ChainBreakReason, 'unreadable-file'>, string> = {
  'unparseable-line': 'the line is not valid JSON (edited, truncated or torn by a crash)',
  'empty-line': 'an empty line; the writer never writes one (a line was blanked)',
  'missing-hash': 'no valid "hash" or "prev_hash" field',
  'hash-mismatch': 'the content does not match its hash: the line was edited',
  'prev-hash-mismatch':
    'prev_hash does not match the previous event: an event was deleted, inserted or reordered before this line',
  'chain-not-at-genesis':
    'the first event does not start the chain: earlier events or files are missing (pass all rotated files, or --allow-partial)',
};

/**
 * Walks the hash chain through the files in rotation order and reports the first broken link.
 * Detects edited, deleted, inserted and reordered lines and missing rotated files; it cannot see
 * events cut from the very end of the newest file (nothing follows them), see the README.
 */
export async function verifyAuditFiles(
  paths: readonly string[],
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const files = sortAuditFiles(paths);
  let expectedPrev: string | undefined;
  let events = 0;
  for (const file of files) {
    let lineNumber = 0;
    const fail = (reason: Exclude<ChainBreakReason, 'unreadable-file'>, extra = ''): VerifyResult => ({
      ok: false,
      files,
      events,
      firstBreak: { file, line: lineNumber, reason, detail: `${EXPLAIN[reason]}${extra}` },
    });
    let lines: AsyncIterable<string>;
    const stream = createReadStream(file, { encoding: 'utf8' });
    try {
      lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        lineNumber += 1;
        if (line.trim() === '') {
          stream.destroy();
          return fail('empty-line');
        }
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line) as Record<string, unknown>;
          if (typeof event !== 'object' || event === null || Array.isArray(event))
            throw new Error('not an object');
        } catch {
          stream.destroy();
          return fail('unparseable-line');
        }
        const { hash, prev_hash: prevHash } = event;
        if (
          typeof hash !== 'string' ||
          !HEX64.test(hash) ||
          typeof prevHash !== 'string' ||
          !HEX64.test(prevHash)
        ) {
          stream.destroy();
          return fail('missing-hash');
        }
        if (hashAuditEvent(event) !== hash) {
          stream.destroy();
          return fail('hash-mismatch', ` (seq ${String(event.seq)})`);
        }
        if (expectedPrev === undefined) {
          if (prevHash !== GENESIS_HASH && options.allowPartial !== true) {
            stream.destroy();
            return fail('chain-not-at-genesis');
          }
        } else if (prevHash !== expectedPrev) {
          stream.destroy();
          return fail('prev-hash-mismatch', ` (seq ${String(event.seq)})`);
        }
        expectedPrev = hash;
        events += 1;
      }
    } catch (error) {
      stream.destroy();
      const message = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        files,
        events,
        firstBreak: { file, line: lineNumber, reason: 'unreadable-file', detail: message },
      };
    }
  }
  return { ok: true, files, events };
}
