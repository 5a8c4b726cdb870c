import { pipeline } from 'node:stream/promises';
import { msg } from '../i18n/catalogue.ts';
import type { Request, Response } from 'express';
import { HttpError } from '../http/errors.ts';
import { isS3Storage } from './index.ts';
import { contentTypeForKey, FileNotFoundError, type Storage } from './storage.ts';

/**
 * The one way stored files go out. Every answer carries `nosniff` and a Content-Disposition, so a
 * stored file is never rendered as something else (an "image" that is really HTML, say).
 */

export interface SendOptions {
  disposition: 'inline' | 'attachment';
  /** The name the user sees when saving; any characters, encoded safely here. */
  filename: string;
  /** Cache-Control for the file itself (disk driver). */
  cacheControl: string;
}

const PRESIGNED_URL_SECONDS = 5 * 60;

/** RFC 6266 / RFC 8187: an ASCII fallback for old clients, and the exact UTF-8 name for the rest. */
export function contentDisposition(disposition: 'inline' | 'attachment', filename: string): string {
  const fallback =
    filename
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '') // "Leçon" -> "Lecon" rather than "Leon"
      .replace(/[^\x20-\x7e]|["\\%]/g, '') // non-ASCII, control characters (CR, LF ...), quotes, escapes
      .trim()
      .slice(0, 150)
      // A name that was all non-ASCII ("Урок.pdf" -> ".pdf") would become a hidden file.
      .replace(/^(?=\.|$)/, 'download');
  const encoded = encodeURIComponent(filename.replace(/[\x00-\x1f\x7f]/g, '')).replace(
    /['()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

type RangeAnswer = { kind: 'whole' } | { kind: 'part'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * One range only. A multi-range request (`bytes=0-1,5-6`) gets the whole file with 200, which
 * RFC 9110 allows (a server may ignore Range): browsers and players never need multipart/byteranges,
 * and building it would only give a client a way to make us read the same bytes many times.
 * A malformed or unsatisfiable single range gets 416.
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  const value = header.trim();
  if (/^bytes=.*,/.test(value)) return { kind: 'whole' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(value);
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'unsatisfiable' };
  const [first, last] = [match[1] === '' ? undefined : Number(match[1]), match[2] === '' ? undefined : Number(match[2])];
  if ((first !== undefined && !Number.isSafeInteger(first)) || (last !== undefined && !Number.isSafeInteger(last))) {
    return { kind: 'unsatisfiable' };
  }
  if (first === undefined) {
    // bytes=-n: the last n bytes.
    if (last === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - last!), end: size - 1 };
  }
  if (first >= size || (last !== undefined && last < first)) return { kind: 'unsatisfiable' };
  return { kind: 'part', start: first, end: Math.min(last ?? size - 1, size - 1) };
}

function etagMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  // If-None-Match uses the weak comparison: W/"x" and "x" are the same.
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

function isClientGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}

export async function sendStoredFile(req: Request, res: Response, storage: Storage, key: string, options: SendOptions): Promise<void> {
  const disposition = contentDisposition(options.disposition, options.filename);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Disposition', disposition);

  if (isS3Storage(storage)) {
    // S3 serves the bytes (and ranges, and conditional requests) itself; the URL expires soon, so
    // the redirect must not be cached. No HEAD first: keys come from our own rows, and a round
    // trip per download would only turn a rare S3 404 into ours.
    const url = await storage.presignedGetUrl(key, {
      expiresInSeconds: PRESIGNED_URL_SECONDS,
      contentDisposition: disposition,
      contentType: contentTypeForKey(key),
    });
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(302, url);
    return;
  }

  const file = await storage.head(key);
  if (!file) throw new HttpError(404, msg('We could not find that file.'));

  const etag = `W/"${file.size.toString(16)}-${Math.floor(file.lastModified.getTime()).toString(16)}"`;
  const lastModified = file.lastModified.toUTCString();
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', lastModified);
  res.setHeader('Cache-Control', options.cacheControl);

  const ifNoneMatch = req.get('If-None-Match');
  const ifModifiedSince = req.get('If-Modified-Since');
  const notModified = ifNoneMatch
    ? etagMatches(ifNoneMatch, etag)
    : ifModifiedSince !== undefined && Math.floor(file.lastModified.getTime() / 1000) <= Date.parse(ifModifiedSince) / 1000;
  if (notModified) {
    res.status(304).end();
    return;
  }

  res.setHeader('Content-Type', file.contentType);
  // If-Range: only honour Range when the client's copy is this very file (as the `send` package does).
  const ifRange = req.get('If-Range');
  const rangeHeader = ifRange === undefined || ifRange === etag || ifRange === lastModified ? req.get('Range') : undefined;
  const range = parseRange(rangeHeader, file.size);

  if (range.kind === 'unsatisfiable') {
    res.status(416).setHeader('Content-Range', `bytes */${file.size}`);
    res.end();
    return;
  }
  if (range.kind === 'part') {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(file.size));
  }
  if (req.method === 'HEAD' || file.size === 0) {
    res.end();
    return;
  }

  let stream;
  try {
    stream = await storage.read(key, range.kind === 'part' ? range : undefined);
  } catch (error) {
    // Deleted between head and read.
    if (error instanceof FileNotFoundError) throw new HttpError(404, msg('We could not find that file.'));
    throw error;
  }
  try {
    // pipeline destroys the file stream when the client goes away, so reading stops there.
    await pipeline(stream, res);
  } catch (error) {
    if (isClientGone(error) || res.destroyed) return;
    throw error;
  }
}
