import { readFile } from 'node:fs/promises';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { auditOf } from '../../http/audit-context.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues } from '../../http/forms.ts';
import { discardUpload, receiveUpload, type ReceivedUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import { loadLesson } from '../teaching/load.ts';
import type { MediaDeps } from '../teaching/media-upload-routes.ts';
import { renderLessonPage } from '../teaching/structure-routes.ts';
import { captionFields, deleteCaption, languageName, saveCaption } from './caption-store.ts';
import { CAPTION_MAX_BYTES, parseCaptions } from './captions.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { MessageValues } from '../../i18n/translator.ts';

/**
 * A lesson's captions on the teacher's lesson page (owner or admin: loadLesson):
 *   POST /teach/lessons/:lessonId/captions                     multipart: `captions` (.vtt or .srt,
 *        at most 1 MB), `language` (BCP-47), `label` (optional); the same language replaces its track
 *   POST /teach/lessons/:lessonId/captions/:captionId/delete
 * The file is received like other uploads (multer to a temp file, limits set, judged as text by its
 * content, the CSRF token in the query string), then parsed and rebuilt by captions.ts: what is
 * stored is our rebuilt WebVTT, never the upload. A refused file: the lesson page again (422, or
 * 413 when too large) with the message at the field and the language and label as they were.
 */

const captionIdParams = z.object({ captionId: z.uuid() });

export function captionRoutes(deps: MediaDeps): Router {
  const { db, config } = deps;
  const router = Router();
  router.param('lessonId', loadLesson(db));
  const tempDir = uploadTempDir(config);

  function refuse(req: Request, res: Response, errors: Record<string, string>, status = 422, errorValues: Record<string, MessageValues | undefined> = {}) {
    const values = typedValues(req.body ?? {}, ['language', 'label']);
    return renderLessonPage(deps, req, res, { captionForm: { values, errors, errorValues } }, status);
  }

  router.post('/lessons/:lessonId/captions', async (req, res) => {
    const lesson = res.locals.lesson as { id: string };
    let upload: ReceivedUpload | undefined;
    try {
      upload = await receiveUpload(req, res, { field: 'captions', tempDir, maxBytes: CAPTION_MAX_BYTES, accept: ['text'] });
    } catch (error) {
      // Too large, or not text at all (a video, a Word file): said at the field, on the page.
      if (error instanceof HttpError && (error.status === 413 || error.status === 422)) {
        const message = error.status === 413 ? msg('The captions file is too large: the limit is 1 MB.') : msg('That file is not a captions file: choose a WebVTT (.vtt) or SRT (.srt) text file.');
        return refuse(req, res, { captions: message }, error.status);
      }
      throw error;
    }
    if (!upload) return refuse(req, res, { captions: msg('Choose a WebVTT (.vtt) or SRT (.srt) file to upload.') });
    let bytes: Buffer;
    try {
      bytes = await readFile(upload.path);
    } finally {
      await discardUpload(upload);
    }

    const fields = captionFields.safeParse(req.body ?? {});
    const parsed = parseCaptions(bytes);
    const errors = { ...(fields.success ? {} : fieldErrors(fields.error)), ...(parsed.ok ? {} : { captions: parsed.error.message }) };
    if (!fields.success || !parsed.ok) return refuse(req, res, errors, 422, parsed.ok ? {} : { captions: parsed.error.values });

    const { language } = fields.data;
    const label = fields.data.label || languageName(language);
    const saved = await saveCaption(db, auditOf(req, res), lesson.id, { language, label, vtt: parsed.vtt, transcript: parsed.transcript, cues: parsed.cues.length });
    setFlash(
      req,
      'success',
      saved.replaced
        ? parsed.convertedFromSrt
          ? msg('{label} captions replaced ({count, plural, one {# cue} other {# cues}}, converted from SRT).')
          : msg('{label} captions replaced ({count, plural, one {# cue} other {# cues}}).')
        : parsed.convertedFromSrt
          ? msg('{label} captions saved ({count, plural, one {# cue} other {# cues}}, converted from SRT).')
          : msg('{label} captions saved ({count, plural, one {# cue} other {# cues}}).'),
      { label, count: parsed.cues.length },
    );
    res.redirect(303, `/teach/lessons/${lesson.id}#captions-title`);
  });

  router.post('/lessons/:lessonId/captions/:captionId/delete', async (req, res) => {
    const lesson = res.locals.lesson as { id: string };
    const params = captionIdParams.safeParse(req.params);
    if (!params.success) throw notFound();
    const deleted = await deleteCaption(db, auditOf(req, res), lesson.id, params.data.captionId);
    if (!deleted) throw notFound();
    setFlash(req, 'success', msg('{label} captions deleted.'), { label: deleted.label });
    res.redirect(303, `/teach/lessons/${lesson.id}#captions-title`);
  });

  return router;
}
