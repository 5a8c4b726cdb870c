import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { translatorFor } from '../../src/i18n/translator.ts';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import express, { type ErrorRequestHandler } from 'express';
import sharp from 'sharp';
import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.ts';
import { sniffFileType, type UploadType } from '../../src/uploads/file-type.ts';
import { AVATAR_MAX_WIDTH, THUMBNAIL_MAX_WIDTH, toWebp } from '../../src/uploads/images.ts';
import { receiveUpload } from '../../src/uploads/receive.ts';

const tempDirOf = () => mkdtempSync(path.join(os.tmpdir(), 'edupeak-uploads-'));
const IMAGES: UploadType[] = ['jpeg', 'png', 'webp'];
const VIDEOS: UploadType[] = ['mp4', 'webm'];

// Tiny real files, made here rather than kept in a fixtures folder.
const fakeMp4 = (padding = 200) =>
  Buffer.concat([
    Buffer.from([0x00, 0x00, 0x00, 0x18]),
    Buffer.from('ftypisom'),
    Buffer.from([0x00, 0x00, 0x02, 0x00]),
    Buffer.from('isomiso2'),
    Buffer.alloc(padding),
  ]);
const fakeWebm = Buffer.concat([
  Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2, 0x81, 0x04]),
  Buffer.from([0x42, 0xf3, 0x81, 0x08, 0x42, 0x82, 0x84]),
  Buffer.from('webm'),
  Buffer.from([0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02]),
  Buffer.alloc(200),
]);
const fakeExe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from('This program cannot be run in DOS mode.'), Buffer.alloc(200)]);
const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#336699' } });

let png: Buffer;
let jpeg: Buffer;
let webp: Buffer;
beforeAll(async () => {
  png = await solid(1200, 800).png().toBuffer();
  jpeg = await solid(1200, 800).jpeg().toBuffer();
  webp = await solid(10, 10).webp().toBuffer();
});

/** A tiny app: POST /upload receives one file in the `file` field and answers what it got. */
function uploadApp(options: { accept: UploadType[]; maxBytes?: number; tempDir: string }) {
  const app = express();
  app.post('/upload', async (req, res) => {
    const file = await receiveUpload(req, res, { field: 'file', maxBytes: options.maxBytes ?? 5 * 1024 * 1024, ...options });
    res.json({ file: file ?? null, body: req.body ?? null });
  });
  const handleErrors: ErrorRequestHandler = (error, _req, res, _next) => {
    // The message as a reader sees it: a catalogue message with its values, in English here.
    res.status(error instanceof HttpError ? error.status : 500).json({ message: error instanceof HttpError ? translatorFor('en').t(error.message, error.values) : (error as Error).message });
  };
  app.use(handleErrors);
  return supertest(app);
}

describe('sniffFileType', () => {
  it('knows each accepted type by its magic bytes', () => {
    expect(sniffFileType(png)).toBe('png');
    expect(sniffFileType(jpeg)).toBe('jpeg');
    expect(sniffFileType(webp)).toBe('webp');
    expect(sniffFileType(fakeMp4())).toBe('mp4');
    expect(sniffFileType(fakeWebm)).toBe('webm');
  });

  it('knows nothing else', () => {
    expect(sniffFileType(fakeExe)).toBeUndefined();
    expect(sniffFileType(Buffer.alloc(0))).toBeUndefined();
    expect(sniffFileType(Buffer.from('<html><script>alert(1)</script>'))).toBeUndefined();
    // Matroska is EBML too, but not WebM; a QuickTime ftyp is not one of our MP4 brands.
    expect(sniffFileType(Buffer.from(fakeWebm.toString('latin1').replace('webm', 'mkvx'), 'latin1'))).toBeUndefined();
    expect(sniffFileType(Buffer.concat([Buffer.from([0, 0, 0, 0x14]), Buffer.from('ftypqt  \0\0\0\0qt  ')]))).toBeUndefined();
  });
});

describe('receiveUpload', () => {
  it('accepts a PNG as an image, under a generated name, and keeps the text fields', async () => {
    const tempDir = tempDirOf();
    const res = await uploadApp({ accept: IMAGES, tempDir }).post('/upload').field('title', 'My course').attach('file', png, 'photo.png');
    expect(res.status).toBe(200);
    expect(res.body.file).toMatchObject({ type: 'png', size: png.length, originalName: 'photo.png' });
    expect(path.dirname(res.body.file.path)).toBe(tempDir);
    expect(path.basename(res.body.file.path)).toMatch(/^upload-[0-9a-f-]{36}$/);
    expect(readFileSync(res.body.file.path)).toEqual(png);
    expect(res.body.body).toEqual({ title: 'My course' });
  });

  it('judges by content: a JPEG named .png is a jpeg', async () => {
    const tempDir = tempDirOf();
    const res = await uploadApp({ accept: IMAGES, tempDir })
      .post('/upload')
      .attach('file', jpeg, { filename: 'photo.png', contentType: 'image/png' });
    expect(res.status).toBe(200);
    expect(res.body.file.type).toBe('jpeg');
  });

  it('accepts MP4 and WebM videos', async () => {
    const tempDir = tempDirOf();
    const mp4 = await uploadApp({ accept: VIDEOS, tempDir }).post('/upload').attach('file', fakeMp4(), 'lesson.mp4');
    expect(mp4.body.file.type).toBe('mp4');
    const webm = await uploadApp({ accept: VIDEOS, tempDir }).post('/upload').attach('file', fakeWebm, 'lesson.webm');
    expect(webm.body.file.type).toBe('webm');
  });

  it('refuses an exe renamed video.mp4 (sent as video/mp4) with 422 and deletes it', async () => {
    const tempDir = tempDirOf();
    const res = await uploadApp({ accept: VIDEOS, tempDir })
      .post('/upload')
      .attach('file', fakeExe, { filename: 'video.mp4', contentType: 'video/mp4' });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('That file is not a video we accept (MP4 or WebM).');
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('refuses a video where an image is expected', async () => {
    const tempDir = tempDirOf();
    const res = await uploadApp({ accept: IMAGES, tempDir }).post('/upload').attach('file', fakeMp4(), 'a.png');
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('That file is not an image we accept (JPEG, PNG or WebP).');
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('answers 413 for a file over maxBytes and leaves tempDir empty', async () => {
    const tempDir = tempDirOf();
    const res = await uploadApp({ accept: VIDEOS, tempDir, maxBytes: 1024 * 1024 })
      .post('/upload')
      .attach('file', fakeMp4(1024 * 1024), 'big.mp4');
    expect(res.status).toBe(413);
    expect(res.body.message).toBe('The file is too large: the limit is 1 MB.');
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('accepts a file of exactly maxBytes', async () => {
    const tempDir = tempDirOf();
    const file = fakeMp4(1000 - 24);
    const res = await uploadApp({ accept: VIDEOS, tempDir, maxBytes: 1000 }).post('/upload').attach('file', file, 'edge.mp4');
    expect(res.status).toBe(200);
    expect(res.body.file.size).toBe(1000);
  });

  it('gives undefined when no file was sent (a multipart form without one, or no form at all)', async () => {
    const tempDir = tempDirOf();
    const form = await uploadApp({ accept: IMAGES, tempDir }).post('/upload').field('title', 'Only text');
    expect(form.status).toBe(200);
    expect(form.body).toEqual({ file: null, body: { title: 'Only text' } });
    const json = await uploadApp({ accept: IMAGES, tempDir }).post('/upload').send({ title: 'json' });
    expect(json.body.file).toBeNull();
  });

  it('answers 400 for a file in another field, or two files, and leaves tempDir empty', async () => {
    const tempDir = tempDirOf();
    const other = await uploadApp({ accept: IMAGES, tempDir }).post('/upload').attach('avatar', png, 'a.png');
    expect(other.status).toBe(400);
    const two = await uploadApp({ accept: IMAGES, tempDir }).post('/upload').attach('file', png, 'a.png').attach('file', png, 'b.png');
    expect(two.status).toBe(400);
    expect(readdirSync(tempDir)).toEqual([]);
  });
});

describe('toWebp', () => {
  it('makes a 1200x800 PNG a 640-wide WebP', async () => {
    const input = path.join(tempDirOf(), 'in');
    writeFileSync(input, png);
    const out = await toWebp(input, THUMBNAIL_MAX_WIDTH);
    expect(out).toMatchObject({ width: 640, height: 427 });
    const metadata = await sharp(out.buffer).metadata();
    expect(metadata).toMatchObject({ format: 'webp', width: 640, height: 427 });
    expect(existsSync(input)).toBe(true);
  });

  it('does not enlarge a small image', async () => {
    const input = path.join(tempDirOf(), 'in');
    writeFileSync(input, await solid(100, 50).png().toBuffer());
    const out = await toWebp(input, AVATAR_MAX_WIDTH);
    expect(out).toMatchObject({ width: 100, height: 50 });
    expect((await sharp(out.buffer).metadata()).width).toBe(100);
  });

  it('applies the EXIF orientation, then drops the metadata', async () => {
    const input = path.join(tempDirOf(), 'in');
    writeFileSync(input, await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    const out = await toWebp(input, THUMBNAIL_MAX_WIDTH);
    expect(out).toMatchObject({ width: 200, height: 300 });
    const metadata = await sharp(out.buffer).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.orientation).toBeUndefined();
  });

  it('refuses a decompression bomb (a header claiming 100 megapixels) with 422', async () => {
    // A real small PNG whose IHDR now claims 10000x10000: refused from the header alone.
    const bomb = Buffer.from(await solid(8, 8).png().toBuffer());
    bomb.writeUInt32BE(10_000, 16);
    bomb.writeUInt32BE(10_000, 20);
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
    const input = path.join(tempDirOf(), 'in');
    writeFileSync(input, bomb);
    await expect(toWebp(input, THUMBNAIL_MAX_WIDTH)).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/too large/) });
  });

  it('refuses a file that is not an image with 422', async () => {
    const input = path.join(tempDirOf(), 'in');
    writeFileSync(input, fakeExe);
    await expect(toWebp(input, THUMBNAIL_MAX_WIDTH)).rejects.toMatchObject({ status: 422 });
  });
});
