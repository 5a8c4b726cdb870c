import { statSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVideoWorkers } from '../../src/features/video/worker.ts';
import { createJobQueue, type JobQueue } from '../../src/queue/boss.ts';
import { createStorage } from '../../src/storage/index.ts';
import { renditionKey } from '../../src/storage/variants.ts';
import { silentLogger, useTestApp } from '../setup/app.ts';
import { markSamePage, noSidewaysScroll, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { makeClip } from '../video/clips.ts';

/**
 * A lesson video in Chromium (issue 20), with a real 2-second clip made by ffmpeg and transcoded by
 * a real worker (pg-boss, polling every 0.5 s) beside the test server. With JavaScript, the teacher
 * uploads it through the lesson page's form, sees the copies being made and then, without a reload
 * (the status block polls every 5 s with htmx), the copies with their heights and sizes; uploads
 * English captions and sees them listed, then a broken file and gets the message at the field with
 * the form as they left it. An enrolled student gets the <video> that loads nothing before play,
 * the poster, the HD copy (the small one with Save-Data), the captions track (served as text/vtt)
 * and the transcript; the "Audio only" link gives an <audio>. Without JavaScript, the teacher's
 * Refresh link shows the copies once they are made, and the student's copy and download links work
 * as plain links.
 *
 * The tests run in order: the student's see the video the teacher's test uploaded (one transcode,
 * not three). The worker runs only when a test starts it, so "being made" is seen before "Ready".
 */

const SLOW = { timeout: 30_000, interval: 200 };

/** A caption file as a teacher's editor saves it. */
const VTT = `WEBVTT

00:00:00.000 --> 00:00:01.000
Welcome to the stock count.

00:00:01.000 --> 00:00:02.000
Count each shelf from left to right.
`;

describe.skipIf(skipWithoutBrowser)('a lesson video in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);
  let clip: Buffer;
  let queue: JobQueue | undefined;
  // What the first test leaves for the others: the course, the lesson and its video.
  let shared: { slug: string; lessonId: string; videoKey: string; chapterId: string; teacher: Awaited<ReturnType<typeof createTeacher>> };

  beforeAll(async () => {
    // 640x480: taller than 360, so the worker makes an HD copy as well as the small one.
    clip = await makeClip({ width: 640, height: 480, seconds: 2 });
  });
  afterAll(async () => {
    await stopWorker();
  });

  /** A worker like src/server.ts starts, on the test app's database and storage. */
  async function startWorker() {
    queue = createJobQueue({ db: t.db, logger: silentLogger, maintenanceIntervalSeconds: 1 });
    await queue.start();
    await startVideoWorkers(
      { db: t.db, storage: createStorage(t.config), logger: silentLogger, queue, config: { ffmpeg: t.config.ffmpeg, videoWorkers: 1, dataDir: t.config.dataDir } },
      { pollingIntervalSeconds: 0.5 },
    );
  }
  async function stopWorker() {
    await queue?.stop({ timeoutMs: 5000 });
    queue = undefined;
  }

  const statusOf = async (videoKey: string) => (await t.db.selectFrom('videoTranscode').select('status').where('videoKey', '=', videoKey).executeTakeFirst())?.status;
  const videoKeyOf = async (lessonId: string) => (await t.db.selectFrom('lesson').select('videoKey').where('id', '=', lessonId).executeTakeFirstOrThrow()).videoKey!;

  /** Script errors and console errors, except the 4xx a test provokes on purpose (a refused caption file). */
  function watchProblems(page: Page): string[] {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(m.text())) problems.push(m.text());
    });
    return problems;
  }

  async function uploadVideo(page: Page) {
    await page.getByLabel(/^MP4 or WebM/).setInputFiles({ name: 'stock-count.mp4', mimeType: 'video/mp4', buffer: clip });
    await page.getByRole('button', { name: 'Upload video' }).click();
    await expect.poll(() => page.locator('main .flash').textContent(), SLOW).toContain('Video saved.');
  }

  it('the teacher, with JavaScript: uploads a video, sees the copies being made and then ready without a reload; uploads captions, and a broken file is refused at its field', async () => {
    const teacher = await createTeacher(t.db, { firstName: 'Tina' });
    const course = await createCourse(t.db, { userId: teacher.id, title: 'Stock counts' });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Counting' });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Counting a shelf' });
    const context = await b.browser.newContext({ viewport: { width: 360, height: 900 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const lessonPage = `/teach/lessons/${lesson.id}`;
    await signInThroughForm(page, b.url, teacher, lessonPage);

    await uploadVideo(page);
    const videoKey = await videoKeyOf(lesson.id);
    const status = page.locator('#video-status');
    expect(await status.textContent()).toMatch(/Waiting to make the small and audio-only copies… \(queued just now\)/);
    expect(await status.getAttribute('hx-trigger')).toBe('every 5s');
    await page.screenshot({ path: screenshotPath('video-1-teacher-waiting'), fullPage: true });

    // The worker starts; the block updates itself in place (no reload) once the copies are made.
    const stillSamePage = await markSamePage(page);
    await startWorker();
    await expect.poll(() => statusOf(videoKey), SLOW).toBe('Ready');
    await expect.poll(() => status.textContent(), SLOW).toContain('Copies for slow connections (2 s long):');
    await stillSamePage();
    const copies = (await status.locator('li').allTextContents()).map((s) => s.trim());
    expect(copies).toHaveLength(4);
    expect(copies[0]).toMatch(/^Audio only · \d+(\.\d)? KB$/);
    expect(copies[1]).toMatch(/^Small · 360p · \d+(\.\d)? KB$/);
    expect(copies[2]).toMatch(/^HD · 480p · \d+(\.\d)? KB$/);
    expect(copies[3]).toMatch(/^Original · .+ \(kept; students get the copies\)$/);
    // Done: the block stops polling, and the poster it shows is served.
    expect(await status.getAttribute('hx-trigger')).toBeNull();
    const poster = status.locator('img');
    await expect.poll(() => poster.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0), SLOW).toBe(true);
    await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath('video-2-teacher-ready'), fullPage: true });
    await stopWorker();

    // English captions: listed with their cue count.
    const captions = page.locator('#captions');
    await page.getByLabel(/^WebVTT \(\.vtt\) or SRT/).setInputFiles({ name: 'stock-count.en.vtt', mimeType: 'text/vtt', buffer: Buffer.from(VTT) });
    await page.getByRole('button', { name: 'Upload captions' }).click();
    await expect.poll(() => captions.locator('li').count(), SLOW).toBe(1);
    expect((await captions.locator('li').textContent())!.replace(/\s+/g, ' ')).toMatch(/English en · 2 cues · /);
    shared = { slug: course.slug, lessonId: lesson.id, videoKey, chapterId: chapter.id, teacher };

    // A broken file, Spanish with a label: refused with the reason at the file field, the rest as typed.
    await page.getByLabel(/^WebVTT \(\.vtt\) or SRT/).setInputFiles({ name: 'notes.vtt', mimeType: 'text/vtt', buffer: Buffer.from('These are my notes, not captions.\n') });
    await page.getByLabel('Language', { exact: true }).selectOption('es');
    await page.getByLabel(/^Label/).fill('Español (Latinoamérica)');
    await page.getByRole('button', { name: 'Upload captions' }).click();
    await expect.poll(() => page.locator('#cap-file-error').isVisible(), SLOW).toBe(true);
    expect(await page.locator('#cap-file-error').textContent()).toMatch(/WebVTT/);
    expect(await page.getByLabel('Language', { exact: true }).inputValue()).toBe('es');
    expect(await page.getByLabel(/^Label/).inputValue()).toBe('Español (Latinoamérica)');
    expect(await page.locator('#cap-file').getAttribute('aria-invalid')).toBe('true');
    expect(await captions.locator(':scope > ul > li').count()).toBe(1);
    await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath('video-3-teacher-captions-refused'), fullPage: true });

    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('an enrolled student, with JavaScript: the video loads nothing before play, HD with its poster, captions and transcript; Audio only is an <audio>; with Save-Data the small copy', async () => {
    const { slug, lessonId, videoKey } = shared;
    const student = await createUser(t.db, { firstName: 'Ama' });
    const course = await t.db.selectFrom('course').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
    await createEnrollment(t.db, { userId: student.id, courseId: course.id });
    const lessonPage = `/learn/${slug}/lessons/${lessonId}`;
    const media = (kind: 'small' | 'hd' | 'audio' | 'poster') => `/media/${renditionKey(videoKey, kind)}`;

    const context = await b.browser.newContext({ viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signInThroughForm(page, b.url, student, lessonPage);
    const video = page.locator('#lesson-video');
    expect(await video.evaluate((el: { tagName: string }) => el.tagName)).toBe('VIDEO');
    expect(await video.getAttribute('preload')).toBe('none');
    expect(await video.getAttribute('poster')).toBe(media('poster'));
    expect(await video.locator('source').getAttribute('src')).toBe(media('hd'));
    // Nothing of the video was fetched: it waits for play.
    expect(await page.evaluate(`performance.getEntriesByType('resource').filter((e) => e.name.includes('-720p.mp4') || e.name.includes('-360p.mp4')).length`)).toBe(0);
    const track = video.locator('track');
    expect(await track.getAttribute('srclang')).toBe('en');
    const src = (await track.getAttribute('src'))!;
    expect(src).toBe(`/learn/${slug}/lessons/${lessonId}/captions/en.vtt`);
    const fetched = (await page.evaluate(`fetch(${JSON.stringify(src)}).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), text: await r.text() }))`)) as { status: number; type: string; text: string };
    expect(fetched.status).toBe(200);
    expect(fetched.type).toMatch(/^text\/vtt/);
    expect(fetched.text).toContain('Count each shelf from left to right.');
    const transcript = page.locator('details#transcript');
    expect(await transcript.locator('summary').textContent()).toBe('Transcript (English)');
    await transcript.locator('summary').click();
    expect(await transcript.textContent()).toContain('Welcome to the stock count.');
    // The copies' and downloads' links wrap on a 320 px phone.
    await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath('video-4-student'), fullPage: true });

    await page.locator('.media-choices').first().getByRole('link', { name: /^Audio only · / }).click();
    await page.waitForURL((u) => u.search === '?video=audio');
    expect(await video.evaluate((el: { tagName: string }) => el.tagName)).toBe('AUDIO');
    expect(await video.locator('source').getAttribute('src')).toBe(media('audio'));
    expect(await page.locator('.media-choices a[aria-current="true"]').textContent()).toMatch(/^Audio only · /);
    await noSidewaysScroll(page);
    expect(problems).toEqual([]);
    await context.close();

    // The browser's Save-Data: the small copy plays unless the student picks another.
    const saver = await b.browser.newContext({ viewport: { width: 360, height: 800 }, extraHTTPHeaders: { 'Save-Data': 'on' } });
    const saverPage = await saver.newPage();
    await signInThroughForm(saverPage, b.url, student, lessonPage);
    // Opened again: Chromium (driven by Playwright) leaves extraHTTPHeaders off the request that
    // follows a redirect, here the sign-in's 303; a real browser with Save-Data sends it on each.
    await saverPage.goto(b.url + lessonPage);
    expect(await saverPage.locator('#lesson-video source').getAttribute('src')).toBe(media('small'));
    expect(await saverPage.locator('.lesson-media > p.muted').first().textContent()).toMatch(/Small copy: \d+(\.\d)? KB\./);
    await saver.close();
  }, 60_000);

  it('without JavaScript: the teacher refreshes to see the copies; the student picks a copy and downloads one with plain links', async () => {
    const { slug, lessonId, videoKey, chapterId, teacher } = shared;
    // The teacher replaces another lesson's video (a second transcode), watching with Refresh.
    const second = await createLesson(t.db, { chapterId, title: 'Counting the back room' });
    const context = await b.browser.newContext({ viewport: { width: 320, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInThroughForm(page, b.url, teacher, `/teach/lessons/${second.id}`);
    await uploadVideo(page);
    const status = page.locator('#video-status');
    expect(await status.textContent()).toContain('Waiting to make the small and audio-only copies');
    const refresh = status.getByRole('link', { name: 'Refresh' });
    // The page's own URL, no #fragment (with one, a click would only scroll, never reload).
    expect(await refresh.getAttribute('href')).toBe(`/teach/lessons/${second.id}`);
    await startWorker();
    const secondKey = await videoKeyOf(second.id);
    await expect.poll(() => statusOf(secondKey), SLOW).toBe('Ready');
    await refresh.click();
    await expect.poll(() => status.textContent(), SLOW).toContain('Copies for slow connections');
    expect((await status.locator('li').allTextContents()).map((s) => s.trim().replace(/ · .*/, ''))).toEqual(['Audio only', 'Small', 'HD', 'Original']);
    await noSidewaysScroll(page);
    await stopWorker();
    await context.close();

    const student = await createUser(t.db, { firstName: 'Kofi' });
    const course = await t.db.selectFrom('course').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
    await createEnrollment(t.db, { userId: student.id, courseId: course.id });
    const lessonPage = `/learn/${slug}/lessons/${lessonId}`;
    const noScript = await b.browser.newContext({ viewport: { width: 320, height: 800 }, javaScriptEnabled: false });
    const learner = await noScript.newPage();
    await signInThroughForm(learner, b.url, student, lessonPage);
    const [watch, download] = [learner.locator('.media-choices').nth(0), learner.locator('.media-choices').nth(1)];
    await watch.getByRole('link', { name: /^Small · / }).click();
    await learner.waitForURL((u) => u.pathname === lessonPage && u.search === '?video=small');
    expect(await learner.locator('#lesson-video source').getAttribute('src')).toBe(`/media/${renditionKey(videoKey, 'small')}`);
    expect(await watch.locator('a[aria-current="true"]').textContent()).toMatch(/^Small · /);
    await noSidewaysScroll(learner);
    await learner.screenshot({ path: screenshotPath('video-5-student-nojs'), fullPage: true });

    const [file] = await Promise.all([learner.waitForEvent('download'), download.getByRole('link', { name: /^Small \(/ }).click()]);
    const small = await t.db.selectFrom('videoRendition').select('bytes').where('videoKey', '=', videoKey).where('kind', '=', 'small').executeTakeFirstOrThrow();
    const saved = await file.path();
    expect(statSync(saved).size).toBe(Number(small.bytes));
    expect(file.url()).toBe(`${b.url}/media/${renditionKey(videoKey, 'small')}`);
    await noScript.close();
  }, 90_000);
});
