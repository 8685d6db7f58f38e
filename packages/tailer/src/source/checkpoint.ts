// File positions on disk: JSON written to a temp file, fsynced, renamed over the old one, and the
// directory fsynced, so a crash leaves either the old or the new checkpoint, never a torn one.
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TailerError } from '../errors.ts';

export interface FileCheckpoint {
  readonly path: string;
  readonly fingerprint: string;
  readonly fingerprintLength: number;
  /** Everything before this offset was acknowledged by every sink. */
  readonly offset: number;
  /** Per-sink positions (each ≥ offset): a restart does not resend to a sink what it already has. */
  readonly sinks: Readonly<Record<string, number>>;
}

export interface CheckpointData {
  readonly version: 1;
  readonly files: Readonly<Record<string, FileCheckpoint>>;
}

export function readCheckpoint(path: string): CheckpointData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, files: {} };
    throw error;
  }
  try {
    const data = JSON.parse(text) as CheckpointData;
    if (data.version !== 1 || typeof data.files !== 'object') throw new Error('unknown layout');
    return data;
  } catch (error) {
    throw new TailerError(
      'TRACETAIL_ERR_CHECKPOINT',
      `checkpoint ${path} is unreadable (${(error as Error).message}); move it away to start over from the beginning of every file`,
    );
  }
}

export async function writeCheckpoint(path: string, data: CheckpointData): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(JSON.stringify(data));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
