import { randomUUID } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import { HttpError } from '../http/errors.ts';
import { readFileHead, sniffFileType, type UploadType } from './file-type.ts';

/**
 * Receives one file from a multipart form into a temp folder, with limits always set, and
 * accepts it only when its content is of an allowed type. The caller moves it into storage
 * (storage.putFile) or converts it, and calls discardUpload when it gives up on it.
 */

export interface ReceiveOptions {
  /** The form field that carries the file. */
  field: string;
  maxBytes: number;
  accept: UploadType[];
  tempDir: string;
}

export interface ReceivedUpload {
  path: string;
  size: number;
  type: UploadType;
  /** The sender's file name: for display only, never for paths or keys. */
  originalName: string;
}

const TYPE_NAMES: Record<UploadType, string> = { mp4: 'MP4', webm: 'WebM', jpeg: 'JPEG', png: 'PNG', webp: 'WebP' };
const VIDEO_TYPES: UploadType[] = ['mp4', 'webm'];

/** Removes a temp file, quietly: it may already be gone, and cleanup must never hide the real error. */
export async function discardUpload(file: { path: string } | string | undefined): Promise<void> {
  const filePath = typeof file === 'string' ? file : file?.path;
  if (filePath) await unlink(filePath).catch(() => {});
}

function describeLimit(maxBytes: number): string {
  const mb = maxBytes / (1024 * 1024);
  return mb >= 1 ? `${Number(mb.toFixed(1))} MB` : `${Math.max(1, Math.round(maxBytes / 1024))} KB`;
}

function notAcceptedMessage(accept: UploadType[]): string {
  const names = accept.map((type) => TYPE_NAMES[type]);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '');
  if (accept.every((type) => VIDEO_TYPES.includes(type))) return `That file is not a video we accept (${list}).`;
  if (accept.every((type) => !VIDEO_TYPES.includes(type))) return `That file is not an image we accept (${list}).`;
  return `That file is not a type we accept (${list}).`;
}

/** Multer's and busboy's complaints are about the request (400); file system failures stay 500s. */
function toHttpError(error: unknown, options: ReceiveOptions): unknown {
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return new HttpError(413, `The file is too large: the limit is ${describeLimit(options.maxBytes)}.`);
      case 'LIMIT_UNEXPECTED_FILE':
      case 'LIMIT_FILE_COUNT':
        return new HttpError(400, `Please send one file, in the “${options.field}” field.`);
      default:
        return new HttpError(400, 'The upload could not be read. Please try again.');
    }
  }
  if ((error as NodeJS.ErrnoException | undefined)?.syscall) return error;
  return new HttpError(400, 'The upload could not be read. Please try again.');
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
        written.push(path.join(options.tempDir, name));
        callback(null, name);
      },
    }),
    limits: { fileSize: options.maxBytes, files: 1, fields: 50, fieldSize: 100_000 },
  }).single(options.field);

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
    const type = sniffFileType(await readFileHead(file.path));
    if (!type || !options.accept.includes(type)) throw new HttpError(422, notAcceptedMessage(options.accept));
    return { path: file.path, size: file.size, type, originalName: file.originalname };
  } catch (error) {
    await discardUpload(file);
    throw error;
  }
}
