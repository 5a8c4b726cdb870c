import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3rver } from '../setup/s3.ts';
import { HttpError } from '../../src/http/errors.ts';
import { createDiskStorage } from '../../src/storage/disk.ts';
import { createS3Storage } from '../../src/storage/s3.ts';
import { contentDisposition, sendStoredFile } from '../../src/storage/send.ts';
import { newKey, type Storage } from '../../src/storage/storage.ts';


const FILENAME = 'Leçon "1".mp4';
const EXPECTED_DISPOSITION = `inline; filename="Lecon 1.mp4"; filename*=UTF-8''Le%C3%A7on%20%221%22.mp4`;
const CACHE_CONTROL = 'private, max-age=3600';

/** supertest leaves video bodies unread; this collects them as a Buffer. */
function binary(res: unknown, callback: (error: Error | null, body: Buffer) => void) {
  // superagent hands the parser the raw http.IncomingMessage (its types say otherwise).
  const stream = res as IncomingMessage;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** A tiny app: GET/HEAD /files/:name sends the file stored under that name's key. */
function appServing(storage: Storage, keys: Map<string, string>) {
  const app = express();
  app.get('/files/:name', async (req, res) => {
    const key = keys.get(req.params.name) ?? newKey('videos', 'mp4');
    await sendStoredFile(req, res, storage, key, { disposition: 'inline', filename: FILENAME, cacheControl: CACHE_CONTROL });
  });
  const handleErrors: ErrorRequestHandler = (error, _req, res, _next) => {
    res.status(error instanceof HttpError ? error.status : 500).type('text').send(String((error as Error).message));
  };
  app.use(handleErrors);
  return app;
}

describe('contentDisposition', () => {
  it('gives an ASCII fallback without quotes, CR/LF or non-ASCII, and the exact name percent-encoded', () => {
    expect(contentDisposition('inline', FILENAME)).toBe(EXPECTED_DISPOSITION);
    expect(contentDisposition('attachment', 'a\r\nSet-Cookie: x=1\\"é.pdf')).toBe(
      `attachment; filename="aSet-Cookie: x=1e.pdf"; filename*=UTF-8''aSet-Cookie%3A%20x%3D1%5C%22%C3%A9.pdf`,
    );
    expect(contentDisposition('attachment', 'Урок.pdf')).toBe(`attachment; filename="download.pdf"; filename*=UTF-8''%D0%A3%D1%80%D0%BE%D0%BA.pdf`);
    expect(contentDisposition('attachment', '日本')).toBe(`attachment; filename="download"; filename*=UTF-8''%E6%97%A5%E6%9C%AC`);
  });
});

describe('sendStoredFile from disk', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'edupeak-send-'));
  const storage = createDiskStorage(root);
  const body = randomBytes(1000);
  const keys = new Map<string, string>();
  const request = () => supertest(appServing(storage, keys));

  beforeAll(async () => {
    const key = newKey('videos', 'mp4');
    await storage.put(key, body, { contentType: 'video/mp4', contentLength: body.length });
    keys.set('lesson', key);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sends the whole file with nosniff, a safe Content-Disposition, caching headers and an ETag', async () => {
    const res = await request().get('/files/lesson').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(body);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-disposition': EXPECTED_DISPOSITION,
      'content-type': 'video/mp4',
      'content-length': '1000',
      'accept-ranges': 'bytes',
      'cache-control': CACHE_CONTROL,
    });
    expect(res.headers.etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Date(res.headers['last-modified']!).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('answers 304 when If-None-Match matches the ETag', async () => {
    const { headers } = await request().head('/files/lesson');
    const res = await request().get('/files/lesson').set('If-None-Match', headers.etag!);
    expect(res.status).toBe(304);
    expect(res.headers.etag).toBe(headers.etag);
    expect(res.text ?? '').toBe('');
    const other = await request().get('/files/lesson').set('If-None-Match', 'W/"other"').buffer(true).parse(binary);
    expect(other.status).toBe(200);
  });

  it.each([
    ['bytes=0-9', 0, 9],
    ['bytes=10-', 10, 999],
    ['bytes=-5', 995, 999],
    ['bytes=990-5000', 990, 999],
  ])('answers Range %s with 206 and exactly those bytes', async (range, start, end) => {
    const res = await request().get('/files/lesson').set('Range', range).buffer(true).parse(binary);
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
    expect(res.body).toEqual(body.subarray(start, end + 1));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each(['bytes=999999-', 'bytes=1000-1001', 'bytes=5-2', 'bytes=-0', 'bytes=abc', 'bytes=-', 'items=0-9'])(
    'answers Range %s with 416 and the size',
    async (range) => {
      const res = await request().get('/files/lesson').set('Range', range);
      expect(res.status).toBe(416);
      expect(res.headers['content-range']).toBe('bytes */1000');
    },
  );

  it('answers a multi-range request with the whole file (200)', async () => {
    const res = await request().get('/files/lesson').set('Range', 'bytes=0-1,5-6').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(body);
  });

  it('ignores Range when If-Range names another version of the file', async () => {
    const res = await request().get('/files/lesson').set('Range', 'bytes=0-9').set('If-Range', 'W/"old"').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(body);
    const { headers } = await request().head('/files/lesson');
    const same = await request().get('/files/lesson').set('Range', 'bytes=0-9').set('If-Range', headers.etag!);
    expect(same.status).toBe(206);
  });

  it('answers HEAD with the headers only', async () => {
    const res = await request().head('/files/lesson');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.headers['content-disposition']).toBe(EXPECTED_DISPOSITION);
    expect(res.body).toEqual({});
    const part = await request().head('/files/lesson').set('Range', 'bytes=0-9');
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 0-9/1000');
  });

  it('stops reading the file when the client goes away', async () => {
    const big = randomBytes(32 * 1024 * 1024);
    const key = newKey('videos', 'mp4');
    await storage.put(key, big, { contentType: 'video/mp4', contentLength: big.length });
    keys.set('big', key);
    const openFiles = () => readdirSync('/proc/self/fd').length;
    const before = openFiles();

    const server = appServing(storage, keys).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const response = await new Promise<IncomingMessage>((resolve) => http.get(`http://127.0.0.1:${port}/files/big`, resolve));
    await once(response, 'data');
    response.destroy();
    // The file's descriptor is closed once pipeline has torn the stream down.
    await vi.waitFor(() => expect(openFiles()).toBeLessThanOrEqual(before + 1), { timeout: 5000 });
    server.closeAllConnections();
    server.close();
    await storage.delete(key);
  });

  it('answers 404 for a missing file', async () => {
    const res = await request().get('/files/missing');
    expect(res.status).toBe(404);
    expect(res.text).toBe('We could not find that file.');
  });
});

describe('sendStoredFile from S3', () => {
  let storage: Storage;
  let stop = async () => {};

  beforeAll(async () => {
    const s3 = await startS3rver();
    stop = s3.stop;
    storage = createS3Storage(s3.options);
  });
  afterAll(() => stop());

  it('redirects (302, not cached) to a presigned URL that serves the file with our headers', async () => {
    const body = randomBytes(500);
    const key = newKey('videos', 'mp4');
    await storage.put(key, body, { contentType: 'video/mp4', contentLength: body.length });

    const res = await supertest(appServing(storage, new Map([['lesson', key]]))).get('/files/lesson');
    expect(res.status).toBe(302);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.location).toContain(`/edupeak-test/${key}?`);
    expect(res.headers.location).toContain('X-Amz-Expires=300');

    const file = await fetch(res.headers.location!);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe(EXPECTED_DISPOSITION);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(body);
  });
});
