import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { replaceStoredFile } from '../../src/features/media/replace-file.ts';
import { createDiskStorage, newKey } from '../../src/storage/index.ts';
import { silentLogger, useTestApp } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { pngImage } from '../setup/media.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * Replacing a stored file in parallel: whatever order the requests commit in, the row points at
 * one file and storage holds exactly that one (before the fix: 11 of 20 avatars and 18 of 20
 * lesson posters were left unreferenced, and a row could point at a deleted file).
 */

const PARALLEL = 20;

/** Keys (paths under the storage root) of the files in one kind's folder, e.g. "avatars". */
function storedKeys(uploadsDir: string, kind: string): string[] {
  const dir = path.join(uploadsDir, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(uploadsDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describe('parallel replacements leave exactly the referenced file', () => {
  const t = useTestApp();
  let image: Buffer;
  beforeAll(async () => {
    image = await pngImage(320, 200);
  });
  const uploadsDir = () => path.join(t.config.dataDir, 'uploads');
  const tmpDir = () => path.join(t.config.dataDir, 'tmp');
  const send = (who: SignedIn, url: string, field: string) =>
    who.agent.post(`${url}?_csrf=${encodeURIComponent(who.csrf)}`).attach(field, image, { filename: 'p.png', contentType: 'image/png' });

  it(`${PARALLEL} profile pictures at once`, async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => send(student, '/account/picture', 'picture')));
    expect(answers.map((res) => res.status)).toEqual(Array(PARALLEL).fill(303));

    const { image: key } = await t.db.selectFrom('user').select('image').where('id', '=', student.user.id).executeTakeFirstOrThrow();
    expect(storedKeys(uploadsDir(), 'avatars')).toEqual([key]);
    expect(readdirSync(tmpDir())).toEqual([]);
  });

  it(`${PARALLEL} lesson posters at once`, async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', fileKey: null });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => send(teacher, `/teach/lessons/${lesson.id}/thumbnail`, 'thumbnail')));
    expect(answers.map((res) => res.status)).toEqual(Array(PARALLEL).fill(303));

    const { thumbnailKey } = await t.db.selectFrom('lesson').select('thumbnailKey').where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(storedKeys(uploadsDir(), 'thumbnails')).toEqual([thumbnailKey]);
    // Every replacement is in the audit trail, each naming the file it replaced.
    // They form one chain: each replaced the key the one before it committed, the first replaced none.
    const audit = await t.db.selectFrom('activityLog').select('metadata').where('action', '=', 'media_uploaded').where('entityId', '=', lesson.id).execute();
    const entries = audit.map((row) => (typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata) as { key: string; replaced: string | null });
    expect(entries).toHaveLength(PARALLEL);
    expect(entries.filter((entry) => entry.replaced === null)).toHaveLength(1);
    const replaced = new Set(entries.map((entry) => entry.replaced));
    expect(entries.filter((entry) => !replaced.has(entry.key)).map((entry) => entry.key)).toEqual([thumbnailKey]);
  });
});

describe('replaceStoredFile when the write does not happen', () => {
  const t = useTestDatabase();
  const root = mkdtempSync(path.join(os.tmpdir(), 'edupeak-replace-'));
  const storage = createDiskStorage(root);
  const deps = () => ({ db: t.db, storage, logger: silentLogger });
  const put = async (kind: 'thumbnails' | 'avatars') => {
    const key = newKey(kind, 'webp');
    await storage.put(key, Buffer.from('webp'), { contentType: 'image/webp', contentLength: 4 });
    return key;
  };

  it('a failed transaction keeps the row and its file, and deletes the new file', async () => {
    const lesson = await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: (await createCourse(t.db)).id })).id });
    const old = await put('thumbnails');
    await t.db.updateTable('lesson').set({ thumbnailKey: old }).where('id', '=', lesson.id).execute();
    const key = await put('thumbnails');
    const failingAudit = async () => {
      throw new Error('audit insert failed');
    };
    await expect(replaceStoredFile(deps(), { table: 'lesson', column: 'thumbnailKey', id: lesson.id }, key, failingAudit)).rejects.toThrow('audit insert failed');
    expect((await t.db.selectFrom('lesson').select('thumbnailKey').where('id', '=', lesson.id).executeTakeFirstOrThrow()).thumbnailKey).toBe(old);
    expect(await storage.head(old)).toBeDefined();
    expect(await storage.head(key)).toBeUndefined();
  });

  it('a row deleted meanwhile gives undefined, and the new file goes', async () => {
    const key = await put('avatars');
    expect(await replaceStoredFile(deps(), { table: 'user', column: 'image', id: randomUUID() }, key)).toBeUndefined();
    expect(await storage.head(key)).toBeUndefined();
  });
});
