import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { GENESIS_HASH, HMAC_HASH_ALG, hashAuditEvent } from './canonical.ts';
import { sortAuditFiles } from './files.ts';

export type ChainBreakReason =
  | 'unparseable-line'
  | 'empty-line'
  | 'missing-hash'
  | 'hash-mismatch'
  | 'prev-hash-mismatch'
  | 'chain-not-at-genesis'
  | 'key-required'
  | 'not-keyed'
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
  /** HMAC key: every event must then be keyed (no downgrade to plain SHA-256 passes). */
  readonly key?: Buffer;
}

const HEX64 = /^[0-9a-f]{64}$/;

const EXPLAIN: Record<Exclude<ChainBreakReason, 'unreadable-file'>, string> = {
  'unparseable-line': 'the line is not valid JSON (edited, truncated or torn by a crash)',
  'empty-line': 'an empty line; the writer never writes one (a line was blanked)',
  'missing-hash': 'no valid "hash" or "prev_hash" field',
  'hash-mismatch': 'the content does not match its hash: the line was edited',
  'prev-hash-mismatch':
    'prev_hash does not match the previous event: an event was deleted, inserted or reordered before this line',
  'key-required': 'the event is hashed with a key (hash_alg hmac-sha256): pass --key-file',
  'not-keyed':
    'a key was given but this event is not keyed (hash_alg missing) although keyed events came before, or none is keyed: the trail was rewritten without the key',
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
  let seenKeyed = false;
  let lastFile = '';
  let lastLine = 0;
  for (const file of files) {
    let lineNumber = 0;
    lastFile = file;
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
        const keyed = event.hash_alg === HMAC_HASH_ALG;
        if (keyed && options.key === undefined) {
          stream.destroy();
          return fail('key-required');
        }
        // Unkeyed events may precede the first keyed one (the key was turned on later): the keyed
        // event's prev_hash then commits to them. After it, an unkeyed event is a downgrade.
        if (!keyed && options.key !== undefined && seenKeyed) {
          stream.destroy();
          return fail('not-keyed');
        }
        if (hashAuditEvent(event, keyed ? options.key : undefined) !== hash) {
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
        seenKeyed ||= keyed;
        events += 1;
        lastLine = lineNumber;
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
  if (options.key !== undefined && events > 0 && !seenKeyed) {
    return {
      ok: false,
      files,
      events,
      firstBreak: { file: lastFile, line: lastLine, reason: 'not-keyed', detail: EXPLAIN['not-keyed'] },
    };
  }
  return { ok: true, files, events };
}
