import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { HttpError } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import type { CurrentUser } from '../../http/guards.ts';
import type { Logger } from '../../logger.ts';
import { newKey, type Storage } from '../../storage/index.ts';
import { THUMBNAIL_MAX_WIDTH, toWebp } from '../../uploads/images.ts';
import { discardUpload, receiveUpload, type ReceivedUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import { recordActivity } from '../audit/activity.ts';
import { loadCourse, loadLesson } from './load.ts';

/**
 * Course images, lesson videos and lesson posters. The file is streamed by multer to a temp file,
 * judged by its content, then moved (videos) or resized to WebP (images) into storage under a key we
 * make; the row then points at it, and the file it replaced is deleted.
 */

export interface MediaDeps {
  db: Database;
  storage: Storage;
  config: Pick<Config, 'uploadMaxBytes' | 'dataDir' | 'baseUrl'>;
  logger: Logger;
}

type AuditOf = (req: Request, res: Response) => { req: Request; actor: CurrentUser };

/** Images are small: however large uploads may be, an image over this is refused. */
const IMAGE_MAX_BYTES = 20 * 1024 * 1024;

// Where it always was imported from (the account picture route); it lives with the uploads now.
export { uploadTempDir };

export function mediaUploadRoutes(deps: MediaDeps, a: AuditOf): Router {
  const { db, storage, config, logger } = deps;
  const router = Router();
  router.param('courseId', loadCourse(db));
  router.param('lessonId', loadLesson(db));
  const tempDir = uploadTempDir(config);

  async function receive(req: Request, res: Response, field: string, kind: 'image' | 'video'): Promise<ReceivedUpload> {
    const upload = await receiveUpload(req, res, {
      field,
      tempDir,
      maxBytes: kind === 'video' ? config.uploadMaxBytes : Math.min(IMAGE_MAX_BYTES, config.uploadMaxBytes),
      accept: kind === 'video' ? ['mp4', 'webm'] : ['jpeg', 'png', 'webp'],
    });
    if (!upload) throw new HttpError(422, kind === 'video' ? 'Choose an MP4 or WebM video to upload.' : 'Choose a JPEG, PNG or WebP image to upload.');
    return upload;
  }

  /** Stores the upload under a new key; returns the key. The temp file is gone afterwards. */
  async function store(upload: ReceivedUpload, kind: 'image' | 'video'): Promise<string> {
    try {
      if (kind === 'video') {
        const key = newKey('videos', upload.type);
        await storage.putFile(key, upload.path, { contentType: `video/${upload.type}` });
        return key;
      }
      const image = await toWebp(upload.path, THUMBNAIL_MAX_WIDTH);
      const key = newKey('thumbnails', 'webp');
      await storage.put(key, image.buffer, { contentType: 'image/webp', contentLength: image.buffer.length });
      return key;
    } finally {
      await discardUpload(upload);
    }
  }

  /** Points `column` of the row at the new key (in one transaction with its audit row), then drops the old file. */
  async function attach(
    req: Request,
    res: Response,
    target: { table: 'course' | 'lesson'; column: 'fileKey' | 'videoKey' | 'thumbnailKey'; id: string; old: string | null },
    key: string,
    size: number,
  ) {
    try {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable(target.table).set({ [target.column]: key }).where('id', '=', target.id).execute();
        await recordActivity(trx, req, {
          userId: a(req, res).actor.id,
          action: 'media_uploaded',
          entityType: target.table,
          entityId: target.id,
          metadata: { field: target.column, key, size },
        });
      });
    } catch (error) {
      await storage.delete(key).catch(() => {});
      throw error;
    }
    if (target.old) await storage.delete(target.old).catch((err: unknown) => logger.warn({ err, key: target.old }, 'could not delete a replaced file'));
  }

  router.post('/courses/:courseId/thumbnail', async (req, res) => {
    const course = res.locals.course as { id: string; fileKey: string | null };
    const upload = await receive(req, res, 'thumbnail', 'image');
    const key = await store(upload, 'image');
    await attach(req, res, { table: 'course', column: 'fileKey', id: course.id, old: course.fileKey }, key, upload.size);
    setFlash(req, 'success', 'Course image saved.');
    res.redirect(303, `/teach/courses/${course.id}#image-title`);
  });

  router.post('/lessons/:lessonId/video', async (req, res) => {
    const lesson = res.locals.lesson as { id: string; videoKey: string | null };
    const upload = await receive(req, res, 'video', 'video');
    const key = await store(upload, 'video');
    await attach(req, res, { table: 'lesson', column: 'videoKey', id: lesson.id, old: lesson.videoKey }, key, upload.size);
    setFlash(req, 'success', 'Video saved.');
    res.redirect(303, `/teach/lessons/${lesson.id}`);
  });

  router.post('/lessons/:lessonId/thumbnail', async (req, res) => {
    const lesson = res.locals.lesson as { id: string; thumbnailKey: string | null };
    const upload = await receive(req, res, 'thumbnail', 'image');
    const key = await store(upload, 'image');
    await attach(req, res, { table: 'lesson', column: 'thumbnailKey', id: lesson.id, old: lesson.thumbnailKey }, key, upload.size);
    setFlash(req, 'success', 'Lesson image saved.');
    res.redirect(303, `/teach/lessons/${lesson.id}`);
  });

  return router;
}
