import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rverProcess } from '../setup/s3-process.ts';
import { createDiskStorage } from '../../src/storage/disk.ts';
import { createS3Storage } from '../../src/storage/s3.ts';
import { newKey, type ListedFile, type Storage } from '../../src/storage/storage.ts';

async function all(files: AsyncIterable<ListedFile>): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  for await (const file of files) out.push(file);
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}
const keysOf = async (files: AsyncIterable<ListedFile>) => (await all(files)).map((file) => file.key);

describe.each(['disk', 's3'] as const)('%s storage: list', (driver) => {
  let storage: Storage;
  let root: string | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    if (driver === 'disk') {
      const parent = mkdtempSync(path.join(os.tmpdir(), 'edupeak-list-'));
      root = path.join(parent, 'uploads');
      storage = createDiskStorage(root);
      cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    } else {
      // In a process of its own: see s3-process.ts (its continuation tokens need DES).
      const s3 = await startS3rverProcess();
      // Two keys a page, so every listing below crosses pages with continuation tokens.
      storage = createS3Storage({ ...s3.options, listPageSize: 2 });
      cleanups.push(s3.stop);
    }
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const put = async (key: string, bytes = 4) => {
    await storage.put(key, Buffer.alloc(bytes, 1), { contentType: 'application/octet-stream', contentLength: bytes });
    return key;
  };

  it('is empty before anything is stored', async () => {
    expect(await all(storage.list())).toEqual([]);
  });

  it('lists every key with its size and date, across folders and pages', async () => {
    const before = Date.now();
    const keys = [
      await put(newKey('avatars', 'webp'), 10),
      await put(newKey('avatars', 'webp'), 20),
      await put(newKey('videos', 'mp4'), 30),
      await put('thumbnails/2025/01/a.webp', 40),
      await put('thumbnails/2026/11/b.webp', 50),
    ].sort();
    const listed = await all(storage.list());
    expect(listed.map((file) => file.key)).toEqual(keys);
    for (const file of listed) {
      expect(file.size).toBe((await storage.head(file.key))!.size);
      expect(file.lastModified).toBeInstanceOf(Date);
      // Seconds: S3 dates have no milliseconds.
      expect(file.lastModified.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(file.lastModified.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    }
  });

  it('lists only keys under a prefix, whole folder or partial name', async () => {
    const avatars = (await keysOf(storage.list())).filter((key) => key.startsWith('avatars/'));
    expect(avatars).toHaveLength(2);
    expect(await keysOf(storage.list('avatars/'))).toEqual(avatars);
    expect(await keysOf(storage.list('avatars'))).toEqual(avatars);
    expect(await keysOf(storage.list('thumbnails/2025/'))).toEqual(['thumbnails/2025/01/a.webp']);
    expect(await keysOf(storage.list('thumbnails/202'))).toEqual(['thumbnails/2025/01/a.webp', 'thumbnails/2026/11/b.webp']);
    expect(await keysOf(storage.list('thumbnails/2026/11/b'))).toEqual(['thumbnails/2026/11/b.webp']);
    expect(await keysOf(storage.list('certificates/'))).toEqual([]);
  });

  it('does not list a deleted key', async () => {
    const key = await put(newKey('attachments', 'pdf'));
    expect(await keysOf(storage.list('attachments/'))).toEqual([key]);
    await storage.delete(key);
    expect(await keysOf(storage.list('attachments/'))).toEqual([]);
  });

  it('refuses an unsafe prefix', async () => {
    for (const prefix of ['../', '/etc', 'a/../../b', '.hidden/', 'a//b']) {
      await expect(all(storage.list(prefix))).rejects.toThrow(/Unsafe storage key/);
    }
  });

  it.runIf(driver === 'disk')("skips the driver's own dot-named temp files and names no key could have", async () => {
    const folder = path.join(root!, 'videos', '2026', '11');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, '.tmp-0b4c6a52-4a0e-4d57-9a3e-2c1f0d7e9b11'), 'half a video');
    mkdirSync(path.join(root!, '.trash'), { recursive: true });
    writeFileSync(path.join(root!, '.trash', 'x.mp4'), 'x');
    writeFileSync(path.join(folder, 'name with spaces.mp4'), 'x');
    const listed = await keysOf(storage.list());
    expect(listed.filter((key) => key.includes('.tmp-') || key.includes('trash') || key.includes(' '))).toEqual([]);
  });
});
