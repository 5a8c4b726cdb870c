import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertSafeKey,
  assertSafePrefix,
  assertValidRange,
  contentTypeForKey,
  FileNotFoundError,
  isSafeKey,
  type ListedFile,
  type Storage,
} from './storage.ts';

/**
 * Files under `root` (DATA_DIR/uploads), one file per key. No sidecar metadata: the content type
 * comes from the key's extension, and size and date from the file system.
 */

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export function createDiskStorage(root: string): Storage {
  const base = path.resolve(root);

  function pathFor(key: string): string {
    assertSafeKey(key);
    // assertSafeKey already rules out escapes; this second check holds even if it is ever loosened.
    const full = path.resolve(base, key);
    if (!full.startsWith(base + path.sep)) throw new Error(`Storage key resolves outside the root: ${key}`);
    return full;
  }

  /**
   * Writes to a temp file beside the target, then renames it into place: rename is atomic, so a
   * failed or aborted write never leaves a half-written file at the key. Temp names start with
   * a dot, which assertSafeKey refuses in keys, so no key can ever name (or read) one.
   */
  async function writeAtomically(target: string, write: (tempPath: string) => Promise<void>): Promise<void> {
    const folder = path.dirname(target);
    await mkdir(folder, { recursive: true });
    const tempPath = path.join(folder, `.tmp-${randomUUID()}`);
    try {
      await write(tempPath);
      await rename(tempPath, target);
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  /**
   * Depth first from the folder `rel` (a key prefix without its trailing slash; '' is the root),
   * one folder read at a time. Dot-names are skipped: the driver's own `.tmp-*` files are writes
   * in progress, and no key can name one anyway.
   */
  async function* walk(rel: string, prefix: string): AsyncGenerator<ListedFile> {
    let entries;
    try {
      entries = await readdir(rel ? path.join(base, rel) : base, { withFileTypes: true });
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // Only folders that can hold keys with the prefix ("avatars/20" reaches avatars/2026/...).
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* walk(key, prefix);
        continue;
      }
      if (!entry.isFile() || !key.startsWith(prefix) || !isSafeKey(key)) continue;
      try {
        const info = await stat(path.join(base, key));
        yield { key, size: info.size, lastModified: info.mtime };
      } catch (error) {
        // Deleted between the folder read and now: it is simply not there any more.
        if (errorCode(error) !== 'ENOENT') throw error;
      }
    }
  }

  return {
    driver: 'disk',

    async put(key, body, { contentLength }) {
      const target = pathFor(key);
      await writeAtomically(target, async (tempPath) => {
        if (Buffer.isBuffer(body)) {
          await writeFile(tempPath, body, { flag: 'wx' });
        } else {
          await pipeline(body, createWriteStream(tempPath, { flags: 'wx' }));
        }
        // The S3 driver fails on a length mismatch too; a short stream means a truncated upload.
        const { size } = await stat(tempPath);
        if (size !== contentLength) throw new Error(`Expected ${contentLength} bytes for ${key}, got ${size}`);
      });
    },

    async putFile(key, filePath) {
      const target = pathFor(key);
      const { size } = await stat(filePath);
      await mkdir(path.dirname(target), { recursive: true });
      try {
        // Same file system (the usual case): one atomic rename, no copying.
        await rename(filePath, target);
      } catch (error) {
        // EXDEV: the temp folder is on another file system (a tmpfs /tmp, another volume).
        // Copy through a temp file so the key only ever holds a complete file, then drop the source.
        if (errorCode(error) !== 'EXDEV') throw error;
        await writeAtomically(target, (tempPath) =>
          pipeline(createReadStream(filePath), createWriteStream(tempPath, { flags: 'wx' })),
        );
        await rm(filePath, { force: true });
      }
      return { size };
    },

    async head(key) {
      const full = pathFor(key);
      try {
        const info = await stat(full);
        if (!info.isFile()) return undefined;
        return { size: info.size, contentType: contentTypeForKey(key), lastModified: info.mtime };
      } catch (error) {
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
        throw error;
      }
    },

    async read(key, range) {
      const full = pathFor(key);
      assertValidRange(range);
      // Open first, so a missing file fails here rather than later as a stream error.
      const handle = await open(full, 'r').catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') throw new FileNotFoundError(key);
        throw error;
      });
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new FileNotFoundError(key);
      }
      // autoClose (the default) closes the handle when the stream ends, fails or is destroyed.
      const stream: Readable = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
      return stream;
    },

    async delete(key) {
      const full = pathFor(key);
      try {
        await unlink(full);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw error;
      }
    },

    async *list(prefix = '') {
      assertSafePrefix(prefix);
      // Start at the deepest folder the prefix names in full: "videos/2026/1" starts in videos/2026.
      const slash = prefix.lastIndexOf('/');
      yield* walk(slash === -1 ? '' : prefix.slice(0, slash), prefix);
    },
  };
}
