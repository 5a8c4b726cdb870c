import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startVideoWorkers } from '../../src/features/video/worker.ts';
import { videoWorkDir } from '../../src/features/video/transcode.ts';
import { createJobQueue, QUEUES, type JobQueue } from '../../src/queue/boss.ts';
import { createDiskStorage, newKey, type Storage } from '../../src/storage/index.ts';
import { renditionKey } from '../../src/storage/variants.ts';
import { silentLogger, useTestApp } from '../setup/app.ts';
import { databaseUrl } from '../setup/postgres.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { makeClip } from './clips.ts';

/**
 * The background side of an upload: the job the upload route queues is worked by pg-boss workers
 * (features/video/worker.ts) on any instance, once, and again when a run dies mid-transcode.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('video transcode jobs', () => {
  const t = useTestApp();
  let teacher: SignedIn;
  let chapterId: string;
  const queues: JobQueue[] = [];
  const children: ChildProcess[] = [];
  const clip = makeClip({ width: 320, height: 240 });
  const hdClip = makeClip({ width: 1280, height: 720 });

  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    chapterId = (await createChapter(t.db, { courseId: course.id })).id;
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop({ timeoutMs: 2000 })));
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });

  /** This file's database, for another process. */
  async function databaseUrlOf(): Promise<string> {
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(t.db);
    return databaseUrl(inject('pgAdminUrl'), rows[0]!.name);
  }

  /** The app's own storage (disk in its DATA_DIR), as the server's workers see it. */
  const storageOf = (): Storage => createDiskStorage(path.join(t.config.dataDir, 'uploads'));

  /** A storage that counts reads of originals: each transcode run reads its original once. */
  function counting(storage: Storage, runs: string[]): Storage {
    return {
      ...storage,
      driver: storage.driver,
      read: (key, range) => {
        if (!/-(?:360p|720p|audio|poster)\./.test(key)) runs.push(key);
        return storage.read(key, range);
      },
    };
  }

  /** A worker instance: a queue of its own on the same database, working the video queue. */
  async function startWorker(storage: Storage, videoWorkers = 1): Promise<JobQueue> {
    const queue = createJobQueue({ db: t.db, logger: silentLogger, maintenanceIntervalSeconds: 1 });
    queues.push(queue);
    await queue.start();
    await startVideoWorkers(
      { db: t.db, storage, logger: silentLogger, queue, config: { ffmpeg: t.config.ffmpeg, videoWorkers, dataDir: t.config.dataDir } },
      { pollingIntervalSeconds: 0.5 },
    );
    return queue;
  }

  async function upload(lessonId: string, video: Buffer): Promise<string> {
    await teacher.agent
      .post(`/teach/lessons/${lessonId}/video?_csrf=${encodeURIComponent(teacher.csrf)}`)
      .attach('video', video, { filename: 'lecture.mp4', contentType: 'video/mp4' })
      .expect(303);
    const { videoKey } = await t.db.selectFrom('lesson').select('videoKey').where('id', '=', lessonId).executeTakeFirstOrThrow();
    return videoKey!;
  }

  const statusOf = async (videoKey: string) =>
    (await t.db.selectFrom('videoTranscode').select('status').where('videoKey', '=', videoKey).executeTakeFirst())?.status;
  const transcodeRow = (videoKey: string) => t.db.selectFrom('videoTranscode').selectAll().where('videoKey', '=', videoKey).executeTakeFirstOrThrow();
  const kindsOf = async (videoKey: string) =>
    (await t.db.selectFrom('videoRendition').select('kind').where('videoKey', '=', videoKey).orderBy('kind').execute()).map((r) => r.kind);

  /** Every stored key under videos/, for "nothing left over" checks. */
  async function storedVideos(): Promise<string[]> {
    const keys: string[] = [];
    for await (const file of storageOf().list('videos/')) keys.push(file.key);
    return keys.sort();
  }

  it('an uploaded video is transcoded in the background: Ready, its copies stored and served to the teacher', async () => {
    const lesson = await createLesson(t.db, { chapterId });
    const key = await upload(lesson.id, await clip);
    expect(await statusOf(key)).toBe('Queued');

    await startWorker(storageOf());
    await expect.poll(() => statusOf(key), { timeout: 15_000, interval: 100 }).toBe('Ready');
    expect(await kindsOf(key)).toEqual(['audio', 'poster', 'small']);
    const small = await teacher.agent.get(`/media/${renditionKey(key, 'small')}`).buffer(true).expect(200);
    expect(small.headers['content-type']).toBe('video/mp4');
    const audio = await teacher.agent.get(`/media/${renditionKey(key, 'audio')}`).set('Range', 'bytes=0-99').buffer(true).expect(206);
    expect(audio.headers['content-type']).toBe('audio/mp4');
  });

  it('with two instances working the queue, each video is transcoded exactly once', async () => {
    const runs: string[] = [];
    await startWorker(counting(storageOf(), runs));
    await startWorker(counting(storageOf(), runs));
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) keys.push(await upload((await createLesson(t.db, { chapterId })).id, await clip));

    for (const key of keys) await expect.poll(() => statusOf(key), { timeout: 20_000, interval: 100 }).toBe('Ready');
    // Two more polling rounds of both workers: nothing runs a second time.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(runs.sort()).toEqual([...keys].sort());
    for (const key of keys) expect((await transcodeRow(key)).attempts).toBe(1);
  });

  it('a worker killed mid-transcode: its run expires and another instance finishes the video (attempts 2)', async () => {
    const lesson = await createLesson(t.db, { chapterId });
    const video = await hdClip;
    const key = newKey('videos', 'mp4');
    await storageOf().put(key, video, { contentType: 'video/mp4', contentLength: video.length });
    // Queued as the upload route queues it, but with a short expiry, so the dead run is noticed in
    // seconds (long enough for the retry's own run on a busy machine: it must not expire too).
    const sender = createJobQueue({ db: t.db, logger: silentLogger });
    const jobId = await t.db.transaction().execute(async (trx) => {
      await trx.updateTable('lesson').set({ videoKey: key }).where('id', '=', lesson.id).execute();
      await trx.insertInto('videoTranscode').values({ videoKey: key, lessonId: lesson.id, status: 'Queued', sourceBytes: video.length }).execute();
      // 20 s: long enough that the retry (about 1.5 s alone, several times that on a loaded machine)
      // never expires itself and runs a third time (seen with 8 s beside the whole suite).
      return sender.send(trx, QUEUES.videoTranscode, { videoKey: key }, { singletonKey: key, expireInSeconds: 20, retryDelay: 1 });
    });
    expect(jobId).toBeTruthy();

    // Another instance: its own process, working the queue (tsx, like npm start).
    const script = `
      const { pino } = await import('pino');
      const { createDatabase } = await import('./src/db/database.ts');
      const { createJobQueue } = await import('./src/queue/boss.ts');
      const { createDiskStorage } = await import('./src/storage/index.ts');
      const { startVideoWorkers } = await import('./src/features/video/worker.ts');
      const logger = pino({ level: 'silent' });
      const db = createDatabase({ connectionString: process.env.TEST_DB_URL, max: 2 });
      const queue = createJobQueue({ db, logger });
      await queue.start();
      await startVideoWorkers({ db, storage: createDiskStorage(process.env.TEST_UPLOADS), logger, queue,
        config: { ffmpeg: { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' }, videoWorkers: 1, dataDir: process.env.TEST_DATA_DIR } },
        { pollingIntervalSeconds: 0.5 });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      // Its own process group: killing the group kills its ffmpeg too, as when an instance dies.
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, TEST_DB_URL: await databaseUrlOf(), TEST_UPLOADS: path.join(t.config.dataDir, 'uploads'), TEST_DATA_DIR: t.config.dataDir },
    });
    children.push(child);

    // Mid-transcode: ffmpeg is writing the child's copies in its work folder.
    const work = videoWorkDir(t.config.dataDir);
    const ffmpegWriting = () => existsSync(work) && readdirSync(work).some((dir) => existsSync(path.join(work, dir, 'small.mp4')));
    await expect.poll(ffmpegWriting, { timeout: 20_000, interval: 20 }).toBe(true);
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await transcodeRow(key)).toMatchObject({ status: 'Processing', attempts: 1 });
    const deadRunFolders = readdirSync(work);
    expect(deadRunFolders).toHaveLength(1);

    // This instance picks the job up once the dead run expires, and finishes it.
    await startWorker(storageOf());
    await expect.poll(() => statusOf(key), { timeout: 60_000, interval: 200 }).toBe('Ready');
    expect(await transcodeRow(key)).toMatchObject({ status: 'Ready', attempts: 2, sourceWidth: 1280, sourceHeight: 720 });
    expect(await kindsOf(key)).toEqual(['audio', 'hd', 'poster', 'small']);
    await expect.poll(() => sender.jobState(QUEUES.videoTranscode, jobId!), { timeout: 5_000, interval: 100 }).toBe('completed');
    // The dead run's work folder (a copy of the original and half-made files) was removed by the next run.
    expect(readdirSync(work)).toEqual([]);
  }, 120_000);

  it('a video replaced while its job is queued: the old job does nothing, the new video is transcoded, no copies of the old one', async () => {
    const lesson = await createLesson(t.db, { chapterId });
    const before = await storedVideos();
    const first = await upload(lesson.id, await clip);
    const second = await upload(lesson.id, await clip);
    expect(second).not.toBe(first);
    // The old row went with the replacement; the new one waits.
    expect(await statusOf(first)).toBeUndefined();
    expect(await statusOf(second)).toBe('Queued');

    const runs: string[] = [];
    await startWorker(counting(storageOf(), runs));
    await expect.poll(() => statusOf(second), { timeout: 15_000, interval: 100 }).toBe('Ready');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The old job was worked and skipped (nothing read), the new one transcoded.
    expect(runs).toEqual([second]);
    const made = (await storedVideos()).filter((key) => !before.includes(key));
    expect(made).toEqual([second, renditionKey(second, 'small'), renditionKey(second, 'audio'), renditionKey(second, 'poster')].sort());
    expect(made.some((key) => key.startsWith(first.replace(/\.mp4$/, '')))).toBe(false);
  });
});
