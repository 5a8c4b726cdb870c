import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';

/**
 * DATA_DIR/tmp: where multer writes uploads before they are judged and moved into storage.
 * A process that dies mid-upload (a crash, kill -9, a power cut) leaves its temp file there, so
 * start-up sweeps out what no upload can still be using.
 */

/**
 * The longest an upload may take, from its first byte in DATA_DIR/tmp until it is in storage and
 * referenced by its row: a video at UPLOAD_MAX_MB's ceiling (10 GB) over a 0.5 MB/s link takes
 * about 5.6 hours. Anything older belongs to no live upload. (Node's default requestTimeout,
 * 5 minutes, ends most uploads far sooner; this bound holds even if that is raised.)
 * The orphan collector's grace period for stored files is longer than this.
 */
export const UPLOAD_MAX_DURATION_MS = 6 * 60 * 60 * 1000;

export function uploadTempDir(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'tmp');
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Removes files in `tempDir` last written more than `olderThanMs` ago. Files, not folders; a
 * missing folder is fine (nothing was ever uploaded). Another instance sharing DATA_DIR may be
 * receiving an upload right now: its file is younger than the bound, so it stays.
 */
export async function cleanUploadTemp(
  tempDir: string,
  olderThanMs: number = UPLOAD_MAX_DURATION_MS,
  now: number = Date.now(),
): Promise<{ removed: number; kept: number }> {
  let entries;
  try {
    entries = await readdir(tempDir, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { removed: 0, kept: 0 };
    throw error;
  }
  let removed = 0;
  let kept = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const filePath = path.join(tempDir, entry.name);
    try {
      const { mtimeMs } = await stat(filePath);
      if (now - mtimeMs <= olderThanMs) {
        kept++;
        continue;
      }
      await unlink(filePath);
      removed++;
    } catch (error) {
      // Gone meanwhile (its upload finished, or another instance swept it): nothing to do.
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }
  return { removed, kept };
}
