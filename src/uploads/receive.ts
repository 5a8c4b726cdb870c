import { randomUUID } from 'node:crypto';
import { msg } from '../i18n/catalogue.ts';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import { HttpError } from '../http/errors.ts';
import { readFileHead, sniffFileType, type UploadType } from './file-type.ts';

/**
 * Receives one file from a multipart form into a temp folder, with limits always set, and
 * accepts it only when its content is of an allowed type. The caller moves it into storage
 * (storage.putFile) or converts it, and always calls discardUpload when done with it (after
 * putFile too): until then the file counts as held, and a shutdown removes it.
 */

export interface ReceiveOptions {
  /** The form field that carries the file. */
  field: string;
  maxBytes: number;
  accept: UploadType[];
  tempDir: string;
  /** Largest text field in bytes (default 100,000): a blog post's Markdown comes with its cover. */
  fieldSize?: number;
}

export interface ReceivedUpload {
  path: string;
  size: number;
  type: UploadType;
  /** The sender's file name: for display only, never for paths or keys. */
  originalName: string;
}

const TYPE_NAMES: Record<UploadType, string> = {
  mp4: 'MP4',
  webm: 'WebM',
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  pdf: 'PDF',
  zip: 'ZIP',
  cfb: 'Word, Excel or PowerPoint',
  text: 'plain text',
};
const IMAGE_TYPES: UploadType[] = ['jpeg', 'png', 'webp', 'gif'];
const VIDEO_TYPES: UploadType[] = ['mp4', 'webm'];

/**
 * Every temp file a request is writing or still holds: from the name multer is given until
 * discardUpload. A shutdown cuts the connections of unfinished uploads, and the server reports
 * itself drained before those requests even notice (their sockets close a moment later), so
 * multer's own cleanup can lose the race with process exit. discardUnfinishedUploads closes it.
 */
const heldTempFiles = new Set<string>();

/** Removes a temp file, quietly: it may already be gone, and cleanup must never hide the real error. */
export async function discardUpload(file: { path: string } | string | undefined): Promise<void> {
  const filePath = typeof file === 'string' ? file : file?.path;
  if (!filePath) return;
  heldTempFiles.delete(filePath);
  await unlink(filePath).catch(() => {});
}

/**
 * For graceful shutdown, once no connection is left: removes the temp files of uploads that were
 * cut or are still being moved into storage (their requests cannot finish: the database closes
 * next). On POSIX an open file may be unlinked; a stream still writing it writes on into the
 * nameless file until it closes. Returns how many were removed.
 */
export async function discardUnfinishedUploads(): Promise<number> {
  const paths = [...heldTempFiles];
  heldTempFiles.clear();
  const results = await Promise.allSettled(paths.map((filePath) => unlink(filePath)));
  return results.filter((result) => result.status === 'fulfilled').length;
}

function describeLimit(maxBytes: number): string {
  const mb = maxBytes / (1024 * 1024);
  return mb >= 1 ? `${Number(mb.toFixed(1))} MB` : `${Math.max(1, Math.round(maxBytes / 1024))} KB`;
}

/** The refusal of a file of another type, naming the accepted ones (format names, the same in every language). */
function notAccepted(accept: UploadType[]): HttpError {
  const names = accept.map((type) => TYPE_NAMES[type]);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '');
  const values = { list };
  if (accept.every((type) => VIDEO_TYPES.includes(type))) return new HttpError(422, msg('That file is not a video we accept ({list}).'), values);
  if (accept.every((type) => IMAGE_TYPES.includes(type))) return new HttpError(422, msg('That file is not an image we accept ({list}).'), values);
  return new HttpError(422, msg('That file is not a type we accept ({list}).'), values);
}

/** Multer's and busboy's complaints are about the request (400); file system failures stay 500s. */
function toHttpError(error: unknown, options: ReceiveOptions): unknown {
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return new HttpError(413, msg('The file is too large: the limit is {limit}.'), { limit: describeLimit(options.maxBytes) });
      case 'LIMIT_UNEXPECTED_FILE':
      case 'LIMIT_FILE_COUNT':
        return new HttpError(400, msg('Please send one file, in the “{field}” field.'), { field: options.field });
      default:
        return new HttpError(400, msg('The upload could not be read. Please try again.'));
    }
  }
  if ((error as NodeJS.ErrnoException | undefined)?.syscall) return error;
  return new HttpError(400, msg('The upload could not be read. Please try again.'));
}

export async function receiveUpload(req: Request, res: Response, options: ReceiveOptions): Promise<ReceivedUpload | undefined> {
  // Every name multer writes to, so that whatever happens nothing stays behind in tempDir.
  const written: string[] = [];
  const upload = multer({
    storage: multer.diskStorage({
      destination: options.tempDir,
      // Our own names: the sender's file name never reaches the file system.
      filename: (_req, _file, callback) => {
        const name = `upload-${randomUUID()}`;
        const filePath = path.join(options.tempDir, name);
        written.push(filePath);
        heldTempFiles.add(filePath);
        callback(null, name);
      },
    }),
    limits: { fileSize: options.maxBytes, files: 1, fields: 50, fieldSize: options.fieldSize ?? 100_000 },
  }).single(options.field);

  // A request cut before we got here (during the session or row lookups) would never reach
  // multer's listeners: it would wait for a body that is not coming.
  if (req.destroyed && !req.readableEnded) throw new HttpError(400, msg('The upload could not be read. Please try again.'));
  try {
    await new Promise<void>((resolve, reject) => upload(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
  } catch (error) {
    // Multer 2 removes partial files itself on LIMIT_FILE_SIZE and aborts; this is a second
    // sweep so that stays true whatever multer version or failure path we meet.
    await Promise.all(written.map(discardUpload));
    throw toHttpError(error, options);
  }

  const file = req.file;
  if (!file) return undefined;
  try {
    const type = sniffFileType(await readFileHead(file.path), { text: options.accept.includes('text') });
    if (!type || !options.accept.includes(type)) throw notAccepted(options.accept);
    return { path: file.path, size: file.size, type, originalName: file.originalname };
  } catch (error) {
    await discardUpload(file);
    throw error;
  }
}
