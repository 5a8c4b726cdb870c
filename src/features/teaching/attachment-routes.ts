import { Router, type Request, type Response } from 'express';
import { msg } from '../../i18n/catalogue.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { receiveUpload, discardUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import type { AuditContext } from '../audit/activity.ts';
import { toWebp } from '../../uploads/images.ts';
import type { UploadType } from '../../uploads/file-type.ts';
import { addAttachment, ATTACHMENT_IMAGE_MAX_WIDTH, ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, attachmentFile, attachmentKey, deleteAttachment } from './attachments.ts';
import { loadLesson } from './load.ts';
import type { MediaDeps } from './media-upload-routes.ts';
import { attachmentIdInput } from './schemas.ts';

/**
 * A lesson's attached files, on the teacher's lesson page: POST a file (`file`), POST delete one.
 * Uploads are received as lesson videos are (multer to a temp file, limits set, judged by content,
 * the CSRF token in the query string), then moved into storage under a new `attachments/` key.
 */

type AuditOf = (req: Request, res: Response) => AuditContext;

const IMAGE_TYPES: UploadType[] = ['jpeg', 'png', 'webp', 'gif'];

export function attachmentRoutes(deps: MediaDeps, a: AuditOf): Router {
  const { db, storage, config, logger } = deps;
  const router = Router();
  router.param('lessonId', loadLesson(db));
  const tempDir = uploadTempDir(config);

  router.post('/lessons/:lessonId/attachments', async (req, res) => {
    const lesson = res.locals.lesson as { id: string };
    const upload = await receiveUpload(req, res, {
      field: 'file',
      tempDir,
      maxBytes: Math.min(ATTACHMENT_MAX_BYTES, config.uploadMaxBytes),
      accept: ATTACHMENT_TYPES,
    });
    if (!upload) throw new HttpError(422, msg('Choose a file to attach: PDF, image, text, ZIP or office document.'));
    // Images are re-encoded like every uploaded image (WebP, metadata such as a GPS position
    // removed, at most 1600 px wide), and their size in pixels kept for the lesson text.
    const isImage = IMAGE_TYPES.includes(upload.type);
    const file = attachmentFile(isImage ? 'webp' : upload.type, upload.originalName);
    if (!file) {
      await discardUpload(upload);
      throw new HttpError(422, msg('That file is not one we accept: office files must be named .doc, .xls or .ppt (or their newer x forms).'));
    }
    const key = attachmentKey(file.extension);
    let stored: { sizeBytes: number; width: number | null; height: number | null };
    try {
      if (isImage) {
        const image = await toWebp(upload.path, ATTACHMENT_IMAGE_MAX_WIDTH);
        await storage.put(key, image.buffer, { contentType: file.contentType, contentLength: image.buffer.length });
        stored = { sizeBytes: image.buffer.length, width: image.width, height: image.height };
      } else {
        await storage.putFile(key, upload.path, { contentType: file.contentType });
        stored = { sizeBytes: upload.size, width: null, height: null };
      }
    } finally {
      await discardUpload(upload);
    }
    const result = await addAttachment({ db, storage, logger }, a(req, res), lesson.id, { key, fileName: file.fileName, contentType: file.contentType, ...stored });
    if (!result.ok) throw new HttpError(result.status, result.message, result.values);
    setFlash(req, 'success', msg('"{name}" attached.'), { name: file.fileName });
    res.redirect(303, `/teach/lessons/${lesson.id}#attachments-title`);
  });

  router.post('/lessons/:lessonId/attachments/:attachmentId/delete', async (req, res) => {
    const lesson = res.locals.lesson as { id: string };
    const parsed = attachmentIdInput.safeParse(req.params);
    if (!parsed.success) throw notFound();
    const deleted = await deleteAttachment({ db, storage, logger }, a(req, res), lesson.id, parsed.data.attachmentId);
    if (!deleted) throw notFound();
    setFlash(req, 'success', msg('File deleted.'));
    res.redirect(303, `/teach/lessons/${lesson.id}#attachments-title`);
  });

  return router;
}
