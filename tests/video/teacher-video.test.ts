import path from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimTranscode, finishTranscode } from '../../src/features/video/state.ts';
import { createDiskStorage, newKey } from '../../src/storage/index.ts';
import { renditionKey } from '../../src/storage/variants.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { mp4Video } from '../setup/media.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { recordVideoState } from '../setup/video-factories.ts';

/**
 * The teacher's lesson page says what became of the copies for slow connections: being made (the
 * block polls every 5 s with htmx, a Refresh link without), ready (each copy with its size), or
 * failed (the reason and Try again); a video from before copies existed can have them made.
 */

const REASON = 'ffmpeg could not read the file: moov atom not found';

describe("the teacher's video status", () => {
  const t = useTestApp();
  let teacher: SignedIn;
  let chapterId: string;

  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    chapterId = (await createChapter(t.db, { courseId: course.id })).id;
  });

  type State = 'Queued' | 'Processing' | 'Ready' | 'Failed';

  /** A lesson whose video is in `status`, rows written as the worker would leave them. */
  async function videoLesson(status: State | 'none', options: { minutesAgo?: number; captions?: number } = {}) {
    const videoKey = newKey('videos', 'mp4');
    const lesson = await createLesson(t.db, { chapterId, title: 'Tidy data', videoKey });
    const ago = new Date(Date.now() - (options.minutesAgo ?? 0) * 60_000);
    if (status !== 'none') {
      await recordVideoState(t.db, {
        videoKey,
        lessonId: lesson.id,
        status,
        row: { failureReason: status === 'Failed' ? REASON : null, durationSeconds: status === 'Ready' ? '605.00' : null, queuedAt: ago, startedAt: status === 'Queued' ? null : ago },
      });
    }
    for (let i = 0; i < (options.captions ?? 0); i++) {
      const language = ['en', 'es', 'fr'][i]!;
      await t.db
        .insertInto('lessonCaption')
        .values({ lessonId: lesson.id, language, label: language, vtt: 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOne\n\n00:00:02.000 --> 00:00:04.000\nTwo\n', transcript: 'One Two' })
        .execute();
    }
    return { lesson, videoKey, page: `/teach/lessons/${lesson.id}` };
  }

  const statusOf = (videoKey: string) => t.db.selectFrom('videoTranscode').selectAll().where('videoKey', '=', videoKey).executeTakeFirst();
  const jobsFor = async (videoKey: string) =>
    (await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'video-transcode' and singleton_key = ${videoKey}`.execute(t.db)).rows[0]!.n;
  /** The status block, as the page shows it. */
  const block = (html: string) => /<div id="video-status"[\s\S]*?\n<\/div>/.exec(html)?.[0] ?? '';

  it('while queued or being made: how long it has waited, polled every 5 s with htmx, a Refresh link without', async () => {
    const queued = await videoLesson('Queued', { minutesAgo: 2 });
    const page = await teacher.agent.get(queued.page).expect(200);
    const html = block(page.text);
    expect(html).toContain('Waiting to make the small and audio-only copies… (queued 2 min ago)');
    expect(html).toContain(`hx-get="/teach/lessons/${queued.lesson.id}/video/status" hx-trigger="every 5s" hx-swap="outerHTML"`);
    // No #fragment: a link to the page's own URL with one only scrolls, it does not reload (tests/e2e/video.e2e.test.ts).
    expect(html).toContain(`<a href="/teach/lessons/${queued.lesson.id}">Refresh</a>`);
    expect(html).toContain('Video size: 412 MB (as uploaded)');
    expect(html).not.toContain('Try again');

    const processing = await videoLesson('Processing', { minutesAgo: 3 });
    expect(block((await teacher.agent.get(processing.page)).text)).toContain('Making the small and audio-only copies… (started 3 min ago)');
  });

  it('ready: each copy with its size and height, the poster, and the original kept', async () => {
    const { videoKey, page } = await videoLesson('Ready');
    const html = block((await teacher.agent.get(page).expect(200)).text);
    expect(html).not.toContain('hx-trigger');
    expect(html).toContain('Copies for slow connections (10:05 long)');
    expect(html).toContain(`<a href="/media/${renditionKey(videoKey, 'audio')}">Audio only · 9.0 MB</a>`);
    expect(html).toContain(`<a href="/media/${renditionKey(videoKey, 'small')}">Small · 360p · 38.0 MB</a>`);
    expect(html).toContain(`<a href="/media/${renditionKey(videoKey, 'hd')}">HD · 720p · 160 MB</a>`);
    expect(html).toContain('Original · 412 MB (kept; students get the copies)');
    expect(html).toContain(`<img src="/media/${renditionKey(videoKey, 'poster')}" alt="Poster frame made from the video" width="160" height="90" loading="lazy">`);
  });

  it('failed: the reason, and Try again queues it once, even clicked twice at once', async () => {
    // (the flash of two requests at once on one session is whichever saved last: checked below, one at a time)
    const { lesson, videoKey, page } = await videoLesson('Failed');
    const html = block((await teacher.agent.get(page)).text);
    expect(html).toContain(`The copies for slow connections could not be made: ${REASON}`);
    expect(html).toContain(`<form method="post" action="/teach/lessons/${lesson.id}/video/retry">`);
    expect(await jobsFor(videoKey)).toBe(0);

    const [a, b] = await Promise.all([teacher.post(`${page}/video/retry`), teacher.post(`${page}/video/retry`)]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(a.headers.location).toBe(`${page}#video-title`);
    expect(await statusOf(videoKey)).toMatchObject({ status: 'Queued', failureReason: null, attempts: 0 });
    expect(await jobsFor(videoKey)).toBe(1);

    expect(block((await teacher.agent.get(page)).text)).toContain('Waiting to make the small and audio-only copies… (queued just now)');

    // Once more, now that it is queued: nothing to retry, and still one job.
    await teacher.post(`${page}/video/retry`).expect(303);
    expect((await teacher.agent.get(page)).text).toContain('Nothing to retry: the video is being processed or is ready.');
    expect(await jobsFor(videoKey)).toBe(1);
  });

  it('a retry of a ready video is refused politely, and changes nothing', async () => {
    const { videoKey, page } = await videoLesson('Ready');
    const before = await statusOf(videoKey);
    await teacher.post(`${page}/video/retry`).expect(303);
    const after = await teacher.agent.get(page).expect(200);
    expect(after.text).toContain('Nothing to retry: the video is being processed or is ready.');
    expect(await statusOf(videoKey)).toEqual(before);
    expect(await jobsFor(videoKey)).toBe(0);
  });

  it('a video from before copies were made: "No copies yet", and Make copies queues it once', async () => {
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    const { lesson, videoKey, page } = await videoLesson('none');
    const video = mp4Video(50_000);
    await storage.put(videoKey, video, { contentType: 'video/mp4', contentLength: video.length });
    const html = block((await teacher.agent.get(page)).text);
    expect(html).toContain('No copies yet: students get the original (50.0 KB).');
    expect(html).toContain(`<form method="post" action="/teach/lessons/${lesson.id}/video/copies">`);

    const [a, b] = await Promise.all([teacher.post(`${page}/video/copies`), teacher.post(`${page}/video/copies`)]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(await statusOf(videoKey)).toMatchObject({ status: 'Queued', lessonId: lesson.id, sourceBytes: '50000' });
    expect(await jobsFor(videoKey)).toBe(1);
    expect(block((await teacher.agent.get(page)).text)).toContain('Waiting to make the small and audio-only copies');

    // A lesson without a video has nothing to make copies of: said, not an error.
    const bare = await createLesson(t.db, { chapterId });
    await teacher.post(`/teach/lessons/${bare.id}/video/copies`).expect(303);
    expect((await teacher.agent.get(`/teach/lessons/${bare.id}`)).text).toContain('There is no uploaded video to make copies of.');
  });

  it('the status fragment: alone for htmx, polling until the copies are ready, then not', async () => {
    const { videoKey, page } = await videoLesson('Queued');
    const poll = () => teacher.agent.get(`${page}/video/status`).set('HX-Request', 'true');
    const waiting = await poll().expect(200);
    expect(waiting.text).not.toContain('<html');
    expect(waiting.text).toMatch(/^<div id="video-status" hx-get="[^"]+\/video\/status" hx-trigger="every 5s"/);

    await claimTranscode(t.db, videoKey);
    expect((await poll()).text).toContain('Making the small and audio-only copies… (started just now)');
    await finishTranscode(t.db, videoKey, {
      durationSeconds: 8,
      sourceWidth: 640,
      sourceHeight: 360,
      renditions: [{ kind: 'small', bytes: 380_000, width: 640, height: 360, bitrateKbps: 380, codec: 'h264' }],
    });
    const ready = await poll().expect(200);
    expect(ready.text).not.toContain('hx-trigger');
    expect(ready.text).toContain('Small · 360p · 380 KB');
    expect(ready.text).toContain('(8 s long)');

    // Without htmx it is the lesson page's business.
    const plain = await teacher.agent.get(`${page}/video/status`);
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe(`${page}#video-title`);
  });

  it('the page with a ready video and two captions: two queries more than a bare lesson, within 14 KB', async () => {
    const { page } = await videoLesson('Ready', { captions: 2 });
    const bare = await createLesson(t.db, { chapterId });
    await teacher.agent.get(page);
    const without = await countQueries(t.db, () => teacher.agent.get(`/teach/lessons/${bare.id}`));
    const withVideo = await countQueries(t.db, () => teacher.agent.get(page));
    expect(withVideo.result.status).toBe(200);
    expect(withVideo.result.text).toContain('en</span> · 2 cues');
    // The bare lesson asks for its captions too (none): the video's status is the one more.
    expect(withVideo.count - without.count).toBeLessThanOrEqual(1);
    const size = expectWithinPageBudget(withVideo.result);
    console.info(`teacher lesson page with a Ready video and 2 captions: ${size} bytes gzipped, ${withVideo.count} queries (${without.count} for a lesson without video or captions)`);
  });
});
