import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';

/**
 * DATA_DIR/tmp: where multer writes uploads before they are judged and moved into storage.
 * A process that dies mid-upload (a crash, kill -9, a power cut) leaves its temp file there, so
 * start-up sweeps out what no upload can still be using.
 */

/**
 * How long a temp file may go unwritten while an upload still needs it; one unwritten for longer
 * belongs to no live upload. The age that counts is since the file's last write, not since the
 * upload began: an upload has no overall deadline (a slow, steady one may take hours), but while it
 * is received its file is written every minute or two, since the server cuts an upload that sends
 * under 16 KiB a minute (http/timeouts.ts). Once received, the file waits only for its conversion
 * and its move into storage: a 10 GB video (UPLOAD_MAX_MB's ceiling) to S3 at 1 MB/s takes under
 * 3 hours. Six hours bounds that generously.
 */
export const UPLOAD_TEMP_MAX_AGE_MS = 6 * 60 * 60 * 1000;

export function uploadTempDir(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'tmp');
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Removes files in `tempDir` last written more than `olderThanMs` ago. Files, not folders; a
 * missing folder is fine (nothing was ever uploaded). Another instance sharing DATA_DIR may be
 * receiving or storing an upload right now: its file was written within the bound, so it stays.
 */
export async function cleanUploadTemp(
  tempDir: string,
  olderThanMs: number = UPLOAD_TEMP_MAX_AGE_MS,
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
