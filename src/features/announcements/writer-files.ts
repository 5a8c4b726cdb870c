import { HttpError } from '../../http/errors.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { Logger } from '../../logger.ts';
import { newKey, type Storage } from '../../storage/index.ts';
import type { UploadType } from '../../uploads/file-type.ts';
import { toWebp } from '../../uploads/images.ts';
import type { ReceivedUpload } from '../../uploads/receive.ts';
import { ATTACHMENT_IMAGE_MAX_WIDTH, attachmentFile } from '../teaching/attachments.ts';

/**
 * An announcement's attached files, received and judged as lesson attachments are
 * (teaching/attachments.ts: by content, the display name cleaned and ending in the stored
 * extension, images re-encoded to WebP without their metadata), but narrower: PDF, images, office
 * documents and plain text only (no ZIP or code files: an announcement goes to many people), and at
 * most 20 MB. Stored under `announcements/`; /media serves them to the announcement's audience.
 */

export const ANNOUNCEMENT_MAX_BYTES = 20 * 1024 * 1024;

export const ANNOUNCEMENT_UPLOAD_TYPES: UploadType[] = ['pdf', 'jpeg', 'png', 'webp', 'gif', 'zip', 'cfb', 'text'];

const IMAGE_TYPES: UploadType[] = ['jpeg', 'png', 'webp', 'gif'];
/** What a ZIP container may be here: office documents only. Text: plain text and tables only. */
const ALLOWED_EXTENSIONS = new Set(['pdf', 'webp', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'doc', 'xls', 'ppt', 'txt', 'md', 'csv']);

/** Moves a received upload into storage; its key and display name. 422 for a file we do not take. */
export async function storeAnnouncementFile(storage: Storage, upload: ReceivedUpload): Promise<{ key: string; fileName: string }> {
  const isImage = IMAGE_TYPES.includes(upload.type);
  const file = attachmentFile(isImage ? 'webp' : upload.type, upload.originalName);
  if (!file || !ALLOWED_EXTENSIONS.has(file.extension)) {
    throw new HttpError(422, msg('That file is not one we accept here: PDF, an image, plain text, or a Word, Excel or PowerPoint document.'));
  }
  const key = newKey('announcements', file.extension);
  if (isImage) {
    const image = await toWebp(upload.path, ATTACHMENT_IMAGE_MAX_WIDTH);
    await storage.put(key, image.buffer, { contentType: file.contentType, contentLength: image.buffer.length });
  } else {
    await storage.putFile(key, upload.path, { contentType: file.contentType });
  }
  return { key, fileName: file.fileName };
}

/** Deletes stored files after the commit that let go of them; failures are logged (the hourly sweep retries). */
export async function deleteStoredFiles(storage: Storage, keys: readonly string[], logger: Logger): Promise<void> {
  await Promise.all(keys.map((key) => storage.delete(key).catch((err: unknown) => logger.warn({ err, key }, 'could not delete an announcement file'))));
}
