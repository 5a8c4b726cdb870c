import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectUnreferencedFiles,
  STORAGE_KEY_ARRAY_COLUMNS,
  STORAGE_KEY_COLUMNS,
  UNREFERENCED_FILE_GRACE_MS,
} from '../../src/jobs/collect-unreferenced-files.ts';
import { createDiskStorage, createS3Storage, newKey, type ListedFile, type Storage, type StorageKind } from '../../src/storage/index.ts';
import { runOncePerTick, serverJobs } from '../../src/jobs/schedule.ts';
import { UPLOAD_TEMP_MAX_AGE_MS } from '../../src/uploads/temp-dir.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { startS3rverProcess } from '../setup/s3-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

async function keysIn(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const file of storage.list() as AsyncIterable<ListedFile>) keys.push(file.key);
  return keys.sort();
}

describe('what the collector counts as a reference', () => {
  const t = useTestDatabase();

  it('lists every column of the schema that can hold a storage key', async () => {
    // Any *_key, *_keys or image column: a new one not listed would have its files collected.
    const { rows } = await sql<{ table: string; column: string }>`
      select table_name as table, column_name as column from information_schema.columns
      where table_schema = 'public' and (column_name ~ '_keys?$' or column_name = 'image')
      order by 1, 2`.execute(t.db);
    const listed = [...STORAGE_KEY_COLUMNS, ...STORAGE_KEY_ARRAY_COLUMNS].map(({ table, column }) => ({ table: snake(table), column: snake(column) }));
    const byName = (a: { table: string; column: string }, b: { table: string; column: string }) =>
      `${a.table}.${a.column}` < `${b.table}.${b.column}` ? -1 : 1;
    expect(listed.sort(byName)).toEqual([...rows].sort(byName));
  });

  it('waits longer than the longest upload before collecting a file', () => {
    expect(UNREFERENCED_FILE_GRACE_MS).toBeGreaterThan(UPLOAD_TEMP_MAX_AGE_MS);
  });
});

describe.each(['disk', 's3'] as const)('collectUnreferencedFiles on %s', (driver) => {
  const t = useTestDatabase();
  let storage: Storage;
  const cleanups: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    if (driver === 'disk') {
      const root = mkdtempSync(path.join(os.tmpdir(), 'edupeak-collect-'));
      storage = createDiskStorage(root);
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    } else {
      // Small list pages, so the collector deletes while paging with continuation tokens.
      const s3 = await startS3rverProcess();
      storage = createS3Storage({ ...s3.options, listPageSize: 3 });
      cleanups.push(s3.stop);
    }
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const put = async (kind: StorageKind, extension: string) => {
    const key = newKey(kind, extension);
    await storage.put(key, Buffer.from('stored'), { contentType: 'application/octet-stream', contentLength: 6 });
    return key;
  };

  it('deletes old unreferenced files, keeps referenced ones and fresh ones (uploads in flight), a page of keys per query', async () => {
    // Old files: one referenced from each column that can hold a key, and five nobody references.
    const avatar = await put('avatars', 'webp');
    const courseImage = await put('thumbnails', 'webp');
    const poster = await put('thumbnails', 'webp');
    const video = await put('videos', 'mp4');
    const certificate = await put('certificates', 'pdf');
    const assignmentFile = await put('attachments', 'pdf');
    const submissionFile = await put('attachments', 'pdf');
    const blogCover = await put('thumbnails', 'webp');
    const attachments = [await put('attachments', 'pdf'), await put('attachments', 'pdf')];
    const lessonFile = await put('attachments', 'zip');
    const referenced = [avatar, courseImage, poster, video, certificate, assignmentFile, submissionFile, blogCover, ...attachments, lessonFile];
    const orphans = [await put('avatars', 'webp'), await put('thumbnails', 'webp'), await put('videos', 'webm'), await put('certificates', 'pdf'), await put('attachments', 'pdf')];
    // Not under one of our key kinds (say, someone else's in a shared bucket): never ours to take.
    const foreign = 'backups/2026/db.dump';
    await storage.put(foreign, Buffer.from('x'), { contentType: 'application/octet-stream', contentLength: 1 });

    // Fresh files: stored after the grace period's edge. S3 dates are whole seconds: keep clear of them.
    const edge = Date.now();
    await sleep(1_500);
    const fresh = [await put('videos', 'mp4'), await put('avatars', 'webp')];

    const user = await createUser(t.db, { image: avatar });
    const course = await createCourse(t.db, { userId: (await createUser(t.db, { role: 'teacher' })).id, fileKey: courseImage });
    const lesson = await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: course.id })).id, thumbnailKey: poster, videoKey: video });
    await createEnrollment(t.db, { userId: user.id, courseId: course.id, certificateKey: certificate });
    const assignment = await t.db.insertInto('assignment').values({ lessonId: lesson.id, title: 'Homework', fileKey: assignmentFile }).returning('id').executeTakeFirstOrThrow();
    await t.db
      .insertInto('lessonAttachment')
      .values({ lessonId: lesson.id, fileKey: lessonFile, fileName: 'Exercises.zip', contentType: 'application/zip', sizeBytes: 6, position: 1 })
      .execute();
    await t.db.insertInto('assignmentSubmission').values({ assignmentId: assignment.id, userId: user.id, fileKey: submissionFile }).execute();
    await t.db.insertInto('blog').values({ authorId: user.id, title: 'Post', slug: `post-${driver}`, content: 'Text', coverImageKey: blogCover }).execute();
    await t.db
      .insertInto('announcement')
      .values({
        title: 'News',
        body: 'Text',
        createdById: user.id,
        targetRole: 'AllUsers',
        attachmentKeys: [...attachments, 'attachments/2020/01/not-stored.pdf'],
        attachmentNames: [...attachments.map((_, i) => `file-${i}.pdf`), 'not-stored.pdf'],
      })
      .execute();

    const graceMs = Date.now() - (edge + 200);
    const { result, count } = await countQueries(t.db, () => collectUnreferencedFiles({ db: t.db, storage, graceMs, pageSize: 4 }));
    const old = referenced.length + orphans.length;
    expect(result).toEqual({ listed: old + fresh.length, fresh: fresh.length, referenced: referenced.length, deleted: orphans.length, failed: 0 });
    // 16 old files, 4 a page: 4 lookups, however many files.
    expect(count).toBe(Math.ceil(old / 4));
    expect(await keysIn(storage)).toEqual([...referenced, ...fresh, foreign].sort());

    // Nothing more to do on a second run.
    const again = await collectUnreferencedFiles({ db: t.db, storage, graceMs });
    expect(again).toMatchObject({ deleted: 0, referenced: referenced.length, fresh: fresh.length });
  });

  it('with the default grace period, a just-stored unreferenced file stays', async () => {
    const inFlight = await put('videos', 'mp4');
    const result = await collectUnreferencedFiles({ db: t.db, storage });
    expect(result.deleted).toBe(0);
    expect(await storage.head(inFlight)).toBeDefined();
    // A day later it is an orphan.
    const later = await collectUnreferencedFiles({ db: t.db, storage, now: new Date(Date.now() + UNREFERENCED_FILE_GRACE_MS + 60_000) });
    expect(later.deleted).toBeGreaterThanOrEqual(1);
    expect(await storage.head(inFlight)).toBeUndefined();
  });
});

describe('the running server schedules the sweep', () => {
  const t = useTestDatabase();

  it('serverJobs adds collect-unreferenced-files, hourly, and its run deletes an old unreferenced file', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'edupeak-serverjobs-'));
    try {
      const storage = createDiskStorage(root);
      const key = newKey('thumbnails', 'webp');
      await storage.put(key, Buffer.from('x'), { contentType: 'image/webp', contentLength: 1 });
      const old = new Date(Date.now() - 2 * 86_400_000);
      utimesSync(path.join(root, key), old, old);
      const job = serverJobs({ db: t.db, storage, mailer: { send: async () => {} }, logger: pino({ level: 'silent' }), baseUrl: 'http://localhost' }).find((j) => j.name === 'collect-unreferenced-files');
      expect(job?.schedule).toBe('27 * * * *');
      const outcome = await runOncePerTick(t.db, job!.name, new Date(), job!.run);
      expect(outcome).toMatchObject({ ran: true, result: { deleted: 1 } });
      expect(await storage.head(key)).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
