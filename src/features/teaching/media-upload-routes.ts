import { Router, type Request, type Response } from 'express';
import { msg } from '../../i18n/catalogue.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import type { Logger } from '../../logger.ts';
import { newKey, type Storage } from '../../storage/index.ts';
import { THUMBNAIL_MAX_WIDTH, toWebp } from '../../uploads/images.ts';
import { discardUpload, receiveUpload, type ReceivedUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import { recordActivity } from '../audit/activity.ts';
import { storeCourseImage } from '../media/course-image.ts';
import { replaceStoredFile, type FileColumn } from '../media/replace-file.ts';
import { loadCourse, loadLesson } from './load.ts';
import type { AuditContext } from '../audit/activity.ts';
import type { JobQueue } from '../../queue/boss.ts';
import { queueTranscode } from '../video/state.ts';

/**
 * Course images, lesson videos and lesson posters. The file is streamed by multer to a temp file,
 * judged by its content, then moved (videos) or resized to WebP (images) into storage under a key we
 * make; the row then points at it, and the file it replaced is deleted once that is committed.
 */

export interface MediaDeps {
  db: Database;
  storage: Storage;
  config: Pick<Config, 'uploadMaxBytes' | 'dataDir' | 'baseUrl'>;
  logger: Logger;
  /** Where an uploaded video's transcode is queued (features/video/). */
  queue: JobQueue;
}

type AuditOf = (req: Request, res: Response) => AuditContext;

/** Images are small: however large uploads may be, an image over this is refused. */
const IMAGE_MAX_BYTES = 20 * 1024 * 1024;

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
    if (!upload) throw new HttpError(422, kind === 'video' ? msg('Choose an MP4 or WebM video to upload.') : msg('Choose a JPEG, PNG or WebP image to upload.'));
    return upload;
  }

  /**
   * Stores the upload under a new key; returns the key. The temp file is gone afterwards. A course
   * image is stored in two widths (features/media/course-image.ts); the key is the wider one's.
   */
  async function store(upload: ReceivedUpload, kind: 'image' | 'video' | 'course-image'): Promise<string> {
    try {
      if (kind === 'course-image') return (await storeCourseImage(storage, upload.path)).key;
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

  /**
   * Points the row at the new key, with its audit row, and deletes the file it replaced (read under
   * the row lock: see replaceStoredFile). A row deleted meanwhile is "not found"; the new file goes.
   */
  async function attach(
    req: Request,
    res: Response,
    target: FileColumn & { id: string },
    key: string,
    size: number,
    alsoInTransaction?: (trx: Database, replaced: string | null) => Promise<void>,
  ) {
    const audit = a(req, res);
    const result = await replaceStoredFile({ db, storage, logger }, target, key, async (trx, { replaced }) => {
      await recordActivity(trx, audit, {
        action: 'media_uploaded',
        entityType: target.table,
        entityId: target.id,
        metadata: { field: target.column, key, size, replaced },
      });
      await alsoInTransaction?.(trx, replaced);
    });
    if (!result) throw notFound();
  }

  router.post('/courses/:courseId/thumbnail', async (req, res) => {
    const course = res.locals.course as { id: string };
    const upload = await receive(req, res, 'thumbnail', 'image');
    const key = await store(upload, 'course-image');
    await attach(req, res, { table: 'course', column: 'fileKey', id: course.id }, key, upload.size);
    setFlash(req, 'success', msg('Course image saved.'));
    res.redirect(303, `/teach/courses/${course.id}#image-title`);
  });

  router.post('/lessons/:lessonId/video', async (req, res) => {
    const lesson = res.locals.lesson as { id: string };
    const upload = await receive(req, res, 'video', 'video');
    const key = await store(upload, 'video');
    // The small, HD and audio-only copies are made in the background (features/video/worker.ts):
    // the job is queued in the transaction that points the lesson at the new file.
    await attach(req, res, { table: 'lesson', column: 'videoKey', id: lesson.id }, key, upload.size, (trx, replaced) =>
      queueTranscode(trx, deps.queue, { lessonId: lesson.id, videoKey: key, sourceBytes: upload.size, replaced }),
    );
    setFlash(req, 'success', msg('Video saved. The small and audio-only copies for slow connections are being made; this page shows when they are ready.'));
    res.redirect(303, `/teach/lessons/${lesson.id}`);
  });

  router.post('/lessons/:lessonId/thumbnail', async (req, res) => {
    const lesson = res.locals.lesson as { id: string };
    const upload = await receive(req, res, 'thumbnail', 'image');
    const key = await store(upload, 'image');
    await attach(req, res, { table: 'lesson', column: 'thumbnailKey', id: lesson.id }, key, upload.size);
    setFlash(req, 'success', msg('Lesson image saved.'));
    res.redirect(303, `/teach/lessons/${lesson.id}`);
  });

  return router;
}
