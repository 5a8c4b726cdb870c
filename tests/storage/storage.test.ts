import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver } from '../setup/s3.ts';
import { createDiskStorage } from '../../src/storage/disk.ts';
import { createS3Storage, type S3StorageOptions } from '../../src/storage/s3.ts';
import { assertSafeKey, FileNotFoundError, newKey, type Storage } from '../../src/storage/storage.ts';

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const UNSAFE_KEYS = ['../etc/passwd', '/abs', 'a/../../b', 'a\\b', 'a//b', '.hidden/x', 'a/b/', '', 'a\u0000b', 'a'.repeat(301)];

describe('storage keys', () => {
  it('newKey makes a dated, random key that assertSafeKey accepts', () => {
    const key = newKey('videos', 'mp4');
    expect(key).toMatch(/^videos\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.mp4$/);
    expect(() => assertSafeKey(key)).not.toThrow();
    expect(newKey('videos', 'mp4')).not.toBe(key);
  });

  it('newKey refuses extensions that are not short lowercase alphanumerics', () => {
    for (const extension of ['', 'MP4', 'mp4/x', '../a', 'toolong', 'p.df']) {
      expect(() => newKey('attachments', extension)).toThrow();
    }
  });

  it.each(UNSAFE_KEYS.map((key) => [JSON.stringify(key.slice(0, 20)), key]))('assertSafeKey refuses %s', (_label, key) => {
    expect(() => assertSafeKey(key)).toThrow(/Unsafe storage key/);
  });
});

describe.each(['disk', 's3'] as const)('%s storage', (driver) => {
  let storage: Storage;
  let s3Options: S3StorageOptions | undefined;
  let diskParent: string | undefined;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    if (driver === 'disk') {
      // The root sits alone in a parent folder, so anything written outside it would show.
      diskParent = tmp('edupeak-disk-');
      storage = createDiskStorage(path.join(diskParent, 'uploads'));
      cleanups.push(() => rmSync(diskParent!, { recursive: true, force: true }));
    } else {
      const s3 = await startS3rver();
      s3Options = s3.options;
      storage = createS3Storage(s3.options);
      cleanups.push(s3.stop);
    }
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('puts a buffer, heads it, reads it whole and in part, and deletes it', async () => {
    const key = newKey('attachments', 'pdf');
    const body = Buffer.from('0123456789abcdefghij');
    await storage.put(key, body, { contentType: 'application/pdf', contentLength: body.length });

    const head = await storage.head(key);
    expect(head).toMatchObject({ size: 20, contentType: 'application/pdf' });
    expect(head!.lastModified).toBeInstanceOf(Date);
    expect(Math.abs(head!.lastModified.getTime() - Date.now())).toBeLessThan(60_000);

    expect(await bytesOf(await storage.read(key))).toEqual(body);
    expect((await bytesOf(await storage.read(key, { start: 2, end: 5 }))).toString()).toBe('2345');
    expect((await bytesOf(await storage.read(key, { start: 15, end: 19 }))).toString()).toBe('fghij');

    await storage.delete(key);
    expect(await storage.head(key)).toBeUndefined();
    await expect(storage.read(key)).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it('streams a Readable body to its key', async () => {
    const key = newKey('videos', 'mp4');
    const chunks = [randomBytes(70_000), randomBytes(70_000), randomBytes(1234)];
    const total = Buffer.concat(chunks);
    await storage.put(key, Readable.from(chunks), { contentType: 'video/mp4', contentLength: total.length });
    expect(await storage.head(key)).toMatchObject({ size: total.length, contentType: 'video/mp4' });
    expect(await bytesOf(await storage.read(key))).toEqual(total);
  });

  it('leaves nothing at the key when the body stream fails half-way', async () => {
    const key = newKey('videos', 'webm');
    async function* failing() {
      yield randomBytes(10_000);
      throw new Error('client went away');
    }
    await expect(storage.put(key, Readable.from(failing()), { contentType: 'video/webm', contentLength: 50_000 })).rejects.toThrow();
    expect(await storage.head(key)).toBeUndefined();
    if (driver === 'disk') {
      // Nor a temp file beside it.
      const folder = path.join(diskParent!, 'uploads', path.dirname(key));
      expect(readdirSync(folder).filter((name) => name.startsWith('.'))).toEqual([]);
    }
  });

  it('moves a local file into storage with putFile (the source is gone afterwards)', async () => {
    const source = path.join(tmp('edupeak-upload-'), 'upload-1');
    const body = randomBytes(100_000);
    writeFileSync(source, body);
    const key = newKey('thumbnails', 'webp');
    expect(await storage.putFile(key, source, { contentType: 'image/webp' })).toEqual({ size: body.length });
    expect(existsSync(source)).toBe(false);
    expect(await storage.head(key)).toMatchObject({ size: body.length, contentType: 'image/webp' });
    expect(await bytesOf(await storage.read(key))).toEqual(body);
  });

  it('deletes a missing key without an error; head of a missing key is undefined', async () => {
    const key = newKey('avatars', 'webp');
    await expect(storage.delete(key)).resolves.toBeUndefined();
    expect(await storage.head(key)).toBeUndefined();
    await expect(storage.read(key)).rejects.toBeInstanceOf(FileNotFoundError);
  });

  it('refuses every unsafe key in every method', async () => {
    const source = path.join(tmp('edupeak-upload-'), 'upload-2');
    writeFileSync(source, 'x');
    for (const key of UNSAFE_KEYS) {
      await expect(storage.put(key, Buffer.from('x'), { contentType: 'text/plain', contentLength: 1 })).rejects.toThrow(/Unsafe storage key/);
      await expect(storage.putFile(key, source, { contentType: 'text/plain' })).rejects.toThrow(/Unsafe storage key/);
      await expect(storage.head(key)).rejects.toThrow(/Unsafe storage key/);
      await expect(storage.read(key)).rejects.toThrow(/Unsafe storage key/);
      await expect(storage.read(key, { start: 0, end: 0 })).rejects.toThrow(/Unsafe storage key/);
      await expect(storage.delete(key)).rejects.toThrow(/Unsafe storage key/);
    }
    expect(existsSync(source)).toBe(true);
    if (driver === 'disk') {
      // Nothing appeared beside the root (such as ../etc/passwd or ../b).
      expect(readdirSync(diskParent!)).toEqual(['uploads']);
    }
  });

  it.runIf(driver === 'disk')('moves a file from another file system (EXDEV) by copying it', async () => {
    const shm = '/dev/shm';
    if (!existsSync(shm)) return;
    const source = path.join(mkdtempSync(path.join(shm, 'edupeak-')), 'upload-3');
    const body = randomBytes(50_000);
    writeFileSync(source, body);
    const key = newKey('videos', 'mp4');
    expect(await storage.putFile(key, source, { contentType: 'video/mp4' })).toEqual({ size: body.length });
    expect(existsSync(source)).toBe(false);
    expect(await bytesOf(await storage.read(key))).toEqual(body);
    rmSync(path.dirname(source), { recursive: true, force: true });
  });

  it.runIf(driver === 's3')('uploads large files in parts (multipart)', async () => {
    const multipart = createS3Storage({ ...s3Options!, multipartThresholdBytes: 1024, partSizeBytes: 5 * 1024 * 1024 });
    const source = path.join(tmp('edupeak-upload-'), 'upload-4');
    const body = randomBytes(11 * 1024 * 1024);
    writeFileSync(source, body);
    const key = newKey('videos', 'mp4');
    await multipart.putFile(key, source, { contentType: 'video/mp4' });
    expect(await multipart.head(key)).toMatchObject({ size: body.length, contentType: 'video/mp4' });
    expect((await bytesOf(await multipart.read(key))).equals(body)).toBe(true);
  });

  it.runIf(driver === 's3')('presigns a GET URL that serves the bytes with our disposition and type', async () => {
    const s3 = createS3Storage(s3Options!);
    const key = newKey('certificates', 'pdf');
    const body = Buffer.from('%PDF-1.4 a certificate');
    await s3.put(key, body, { contentType: 'application/pdf', contentLength: body.length });
    const disposition = `attachment; filename="Certificate.pdf"; filename*=UTF-8''Certificat%C3%A9.pdf`;
    const url = await s3.presignedGetUrl(key, { expiresInSeconds: 300, contentDisposition: disposition, contentType: 'application/pdf' });
    expect(url).toContain('X-Amz-Expires=300');

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(body);

    await expect(s3.presignedGetUrl('../x', { expiresInSeconds: 300, contentDisposition: 'inline', contentType: 'a/b' })).rejects.toThrow(
      /Unsafe storage key/,
    );
  });
});
