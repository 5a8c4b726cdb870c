import type { Database } from '../../db/database.ts';
import { msg } from '../../i18n/catalogue.ts';
import { formatBytes } from '../../lib/bytes.ts';
import type { Logger } from '../../logger.ts';
import { contentTypeForKey, newKey, type Storage } from '../../storage/index.ts';
import type { UploadType } from '../../uploads/file-type.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';

/**
 * Lesson attachments (table lesson_attachment): files a teacher adds to a lesson for students to
 * download. The upload is judged by its content (uploads/file-type.ts); the stored file's
 * extension, and so the type it is served with (storage contentTypeForKey), follows what the
 * content is, with the sender's name only choosing among the names that content may have (a ZIP
 * container may be a .docx; text may be .csv). The display name is cleaned, and always ends with
 * the stored extension, so "notes.html" that is text downloads as "notes.txt". Images are
 * re-encoded to WebP (attachment-routes.ts), so "photo.jpg" is kept as "photo.webp".
 */

/** Content types a lesson may carry, as sniffed. */
export const ATTACHMENT_TYPES: UploadType[] = ['pdf', 'jpeg', 'png', 'webp', 'gif', 'zip', 'cfb', 'text'];

/** Per sniffed type: the extensions the file may take (the first is the default; none: the name must say). */
const EXTENSIONS: Partial<Record<UploadType, string[]>> = {
  pdf: ['pdf'],
  jpeg: ['jpg', 'jpeg'],
  png: ['png'],
  webp: ['webp'],
  gif: ['gif'],
  zip: ['zip', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'epub'],
  // An OLE compound file is also what .msi installers and .msg mails are: only the office names.
  cfb: [],
  text: ['txt', 'md', 'csv', 'json', 'py', 'js', 'sql'],
};
const CFB_EXTENSIONS = ['doc', 'xls', 'ppt'];

export const ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024;
/** Attached images are re-encoded to WebP at most this wide: sharp on a page, small on a phone. */
export const ATTACHMENT_IMAGE_MAX_WIDTH = 1600;
export const ATTACHMENTS_PER_LESSON = 20;
const NAME_MAX = 200;

export interface AttachmentFile {
  extension: string;
  fileName: string;
  contentType: string;
}

/** The extension and display name for an upload of `type` sent as `originalName`; undefined: refuse it. */
export function attachmentFile(type: UploadType, originalName: string): AttachmentFile | undefined {
  // The last path segment (browsers send "C:\fakepath\x" or "x"), without control characters,
  // quotes-safe for headers (send.ts encodes), spaces collapsed, no leading dots (hidden files).
  const base =
    originalName
      .split(/[\\/]/)
      .at(-1)!
      .normalize('NFC')
      .replace(/[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^\.+/, '') || 'attachment';
  const dot = base.lastIndexOf('.');
  const given = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  const stem = dot > 0 ? base.slice(0, dot).trim() || 'attachment' : base;
  const allowed = type === 'cfb' ? CFB_EXTENSIONS : (EXTENSIONS[type] ?? []);
  let extension: string | undefined = allowed.includes(given) ? given : allowed[0];
  if (type === 'cfb' && !CFB_EXTENSIONS.includes(given)) extension = undefined;
  if (!extension) return undefined;
  const ending = `.${extension}`;
  const fileName = `${stem.slice(0, NAME_MAX - ending.length)}${ending}`;
  return { extension, fileName, contentType: contentTypeForKey(`x${ending}`) };
}

export interface AttachmentRow {
  id: string;
  fileKey: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
}

/** What pages show: the name, its type in a word ("PDF"), its size as people read it. */
export function describeAttachment(row: AttachmentRow) {
  const extension = row.fileName.slice(row.fileName.lastIndexOf('.') + 1).toUpperCase();
  return { ...row, kind: extension, size: formatBytes(row.sizeBytes), isImage: /^image\//.test(row.contentType) };
}

export async function lessonAttachments(db: Database, lessonId: string) {
  const rows = await db
    .selectFrom('lessonAttachment')
    .select(['id', 'fileKey', 'fileName', 'contentType', 'sizeBytes'])
    .where('lessonId', '=', lessonId)
    .orderBy('position')
    .orderBy('createdAt')
    .execute();
  return rows.map(describeAttachment);
}

const fileColumns = (file: { key: string; fileName: string; contentType: string; sizeBytes: number; width: number | null; height: number | null }) => ({
  fileKey: file.key,
  fileName: file.fileName,
  contentType: file.contentType,
  sizeBytes: file.sizeBytes,
  width: file.width,
  height: file.height,
});

export type AddResult = { ok: true; id: string } | { ok: false; status: 404 | 422; message: string; values?: { max: number } };

/**
 * Records a file already in storage under `key` as the lesson's last attachment, with its audit
 * row, in one transaction under the lesson's row lock (positions and the per-lesson limit hold
 * under parallel uploads). When the row is not written (lesson gone, limit reached, any error),
 * the stored file is deleted: nothing is left that no row references.
 */
export async function addAttachment(
  deps: { db: Database; storage: Storage; logger: Logger },
  audit: AuditContext,
  lessonId: string,
  file: { key: string; fileName: string; contentType: string; sizeBytes: number; width: number | null; height: number | null },
): Promise<AddResult> {
  const { db, storage, logger } = deps;
  let result: AddResult;
  try {
    result = await db.transaction().execute(async (trx) => {
      const lesson = await trx.selectFrom('lesson').select('id').where('id', '=', lessonId).forUpdate().executeTakeFirst();
      if (!lesson) return { ok: false as const, status: 404 as const, message: msg('We could not find that lesson.') };
      const { n, last } = await trx
        .selectFrom('lessonAttachment')
        .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.max('position').as('last')])
        .where('lessonId', '=', lessonId)
        .executeTakeFirstOrThrow();
      if (Number(n) >= ATTACHMENTS_PER_LESSON) {
        return { ok: false as const, status: 422 as const, message: msg('A lesson holds at most {max} files: delete one first.'), values: { max: ATTACHMENTS_PER_LESSON } };
      }
      const { id } = await trx
        .insertInto('lessonAttachment')
        .values({ lessonId, ...fileColumns(file), position: Number(last ?? 0) + 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordActivity(trx, audit, {
        action: 'attachment_added',
        entityType: 'lesson',
        entityId: lessonId,
        metadata: { attachmentId: id, key: file.key, fileName: file.fileName, size: file.sizeBytes },
      });
      return { ok: true as const, id };
    });
  } catch (error) {
    await storage.delete(file.key).catch((err: unknown) => logger.warn({ err, key: file.key }, 'could not delete an unused stored file'));
    throw error;
  }
  if (!result.ok) await storage.delete(file.key).catch((err: unknown) => logger.warn({ err, key: file.key }, 'could not delete an unused stored file'));
  return result;
}

/** Deletes the attachment (row and audit row in one transaction), then its stored file. False when it was not the lesson's. */
export async function deleteAttachment(
  deps: { db: Database; storage: Storage; logger: Logger },
  audit: AuditContext,
  lessonId: string,
  attachmentId: string,
): Promise<boolean> {
  const { db, storage, logger } = deps;
  const deleted = await db.transaction().execute(async (trx) => {
    const row = await trx
      .deleteFrom('lessonAttachment')
      .where('id', '=', attachmentId)
      .where('lessonId', '=', lessonId)
      .returning(['fileKey', 'fileName'])
      .executeTakeFirst();
    if (!row) return undefined;
    await recordActivity(trx, audit, { action: 'attachment_deleted', entityType: 'lesson', entityId: lessonId, metadata: { attachmentId, key: row.fileKey, fileName: row.fileName } });
    return row;
  });
  if (!deleted) return false;
  // After the commit; a failed delete leaves an unreferenced file for the hourly sweep.
  await storage.delete(deleted.fileKey).catch((err: unknown) => logger.warn({ err, key: deleted.fileKey }, 'could not delete a stored file'));
  return true;
}

/** A fresh storage key for an attachment with this extension. */
export const attachmentKey = (extension: string) => newKey('attachments', extension);
