import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDiskStorage, newKey } from '../../src/storage/index.ts';
import { renditionKey } from '../../src/storage/variants.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { LECTURE_SIZES, recordVideoState } from '../setup/video-factories.ts';

/**
 * The student's lesson player (issue 20): the copy for their connection (HD, small with data saver
 * or Save-Data, what they pick), every copy as a link with its size, captions as tracks served
 * under the lesson's rules, the transcript, and Range requests on every copy.
 */

const SIZES = LECTURE_SIZES;

function binary(res: unknown, callback: (error: Error | null, body: Buffer) => void) {
  // superagent hands the parser the raw http.IncomingMessage (its types say otherwise).
  const stream = res as IncomingMessage;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}

const VTT = (text: string) => `WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n${text}\n`;

describe('lesson player', () => {
  const t = useTestApp();
  let teacher: SignedIn;
  let student: SignedIn;
  let slug: string;
  let courseId: string;
  let chapterId: string;

  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    slug = course.slug;
    courseId = course.id;
    chapterId = chapter.id;
    student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId });
  });

  /** A lesson with a video in the given state; Ready: its copies with the sizes above. */
  async function videoLesson(status: 'Ready' | 'Processing' | 'Failed' | 'none', options: { captions?: boolean; chapter?: string } = {}) {
    const videoKey = newKey('videos', 'mp4');
    const lesson = await createLesson(t.db, { chapterId: options.chapter ?? chapterId, title: 'Tidy data', videoKey });
    if (status !== 'none') await recordVideoState(t.db, { videoKey, lessonId: lesson.id, status, sizes: SIZES });
    if (options.captions) {
      await t.db
        .insertInto('lessonCaption')
        .values([
          { lessonId: lesson.id, language: 'en', label: 'English', vtt: VTT('One row per sale.'), transcript: 'One row per sale.\n\nThe date <b>as a date</b>.' },
          { lessonId: lesson.id, language: 'es', label: 'Español', vtt: VTT('Una fila por venta.'), transcript: 'Una fila por venta.' },
        ])
        .execute();
    }
    return { lesson, videoKey, url: `/learn/${slug}/lessons/${lesson.id}` };
  }

  const sourceOf = (html: string) => /<source src="([^"]+)"/.exec(html)?.[1];

  it("uses the teacher's lesson image as the poster when there is one, else the frame the worker made", async () => {
    const { lesson, videoKey, url } = await videoLesson('Ready');
    expect((await student.agent.get(url)).text).toContain(`poster="/media/${renditionKey(videoKey, 'poster')}"`);
    const image = newKey('thumbnails', 'webp');
    await t.db.updateTable('lesson').set({ thumbnailKey: image }).where('id', '=', lesson.id).execute();
    expect((await student.agent.get(url)).text).toContain(`poster="/media/${image}"`);
  });

  it('offers each copy smallest first with its size, HD by default, and says what playing costs', async () => {
    const { videoKey, url } = await videoLesson('Ready');
    const page = await student.agent.get(url);
    expect(page.status).toBe(200);
    expect(sourceOf(page.text)).toBe(`/media/${renditionKey(videoKey, 'hd')}`);
    expect(page.text).toMatch(/<video id="lesson-video" controls preload="none"/);
    expect(page.text).not.toMatch(/autoplay/);
    expect(page.text).toContain(`poster="/media/${renditionKey(videoKey, 'poster')}"`);
    const labels = ['Audio only · 9.0 MB', 'Small · 38.0 MB', 'HD · 160 MB'].map((l) => page.text.indexOf(`>${l}</a>`));
    expect(labels.every((i) => i > 0)).toBe(true);
    expect([...labels].sort((a, b) => a - b)).toEqual(labels);
    // Each is a plain link to the page with the pick; the current one is marked.
    expect(page.text).toContain(`<a href="${url}?video=hd" aria-current="true">HD · 160 MB</a>`);
    expect(page.text).toContain(`<a href="${url}?video=small">Small · 38.0 MB</a>`);
    expect(page.text).toContain('Plays only when you press play. HD copy: 160 MB.');
    // Download links for each copy; the original (412 MB, the teacher's) is not offered once copies exist.
    expect(page.text).toContain(`<a href="/media/${renditionKey(videoKey, 'audio')}" type="audio/mp4" download>Audio only (9.0 MB)</a>`);
    expect(page.text).not.toContain(`/media/${videoKey}"`);
    expect(page.text).not.toContain('412 MB');
    expect(page.headers.vary).toMatch(/Save-Data/);
  });

  it('plays the small copy with Save-Data or data saver on, and the choice on /account wins over the header', async () => {
    const { videoKey, url } = await videoLesson('Ready');
    const small = `/media/${renditionKey(videoKey, 'small')}`;
    const hd = `/media/${renditionKey(videoKey, 'hd')}`;
    const withHeader = await student.agent.get(url).set('Save-Data', 'on');
    expect(sourceOf(withHeader.text)).toBe(small);
    expect(withHeader.text).toContain('Plays only when you press play. Small copy: 38.0 MB.');

    const saver = await signedInAs(t.app, t.db, 'student', { dataSaver: true });
    await createEnrollment(t.db, { userId: saver.user.id, courseId });
    expect(sourceOf((await saver.agent.get(url)).text)).toBe(small);

    const full = await signedInAs(t.app, t.db, 'student', { dataSaver: false });
    await createEnrollment(t.db, { userId: full.user.id, courseId });
    expect(sourceOf((await full.agent.get(url).set('Save-Data', 'on')).text)).toBe(hd);
    // Their pick wins over both.
    expect(sourceOf((await saver.agent.get(`${url}?video=hd`)).text)).toBe(hd);
  });

  it('?video=audio plays the sound alone in an <audio>; a junk pick is ignored', async () => {
    const { videoKey, url } = await videoLesson('Ready');
    const audio = await student.agent.get(`${url}?video=audio`);
    expect(audio.status).toBe(200);
    expect(audio.text).toMatch(/<audio id="lesson-video" controls preload="none" data-lesson="[^"]+" data-report="[^"]+">/);
    expect(sourceOf(audio.text)).toBe(`/media/${renditionKey(videoKey, 'audio')}`);
    expect(audio.text).not.toContain('<video');
    expect(audio.text).toContain(`<a href="${url}?video=audio" aria-current="true">`);
    const junk = await student.agent.get(`${url}?video=<script>`);
    expect(junk.status).toBe(200);
    expect(sourceOf(junk.text)).toBe(`/media/${renditionKey(videoKey, 'hd')}`);
  });

  it('while copies are being made the original plays, with a note; a failed one plays the original and keeps the reason from students', async () => {
    const processing = await videoLesson('Processing');
    const page = await student.agent.get(processing.url);
    expect(sourceOf(page.text)).toBe(`/media/${processing.videoKey}`);
    expect(page.text).toContain('Video: 412 MB.');
    expect(page.text).toContain('Smaller copies are being made');
    expect(page.text).not.toContain('Watch:');

    const failed = await videoLesson('Failed');
    const broken = await student.agent.get(failed.url);
    expect(sourceOf(broken.text)).toBe(`/media/${failed.videoKey}`);
    expect(broken.text).toContain(`<a href="/media/${failed.videoKey}" type="video/mp4" download>Original (412 MB)</a>`);
    expect(broken.text).not.toContain('moov atom');
    expect(broken.text).not.toContain('Smaller copies are being made');
  });

  it('a video uploaded before copies existed (no row) plays as stored, its size read from storage', async () => {
    const { videoKey, url } = await videoLesson('none');
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    const body = Buffer.alloc(2_500_000, 1);
    await storage.put(videoKey, body, { contentType: 'video/mp4', contentLength: body.length });
    const page = await student.agent.get(url);
    expect(sourceOf(page.text)).toBe(`/media/${videoKey}`);
    expect(page.text).toContain('Plays only when you press play. Video: 2.5 MB.');
    expect(page.text).not.toContain('Smaller copies are being made');
  });

  it('captions are tracks (the first one default) and the transcript is text under the video', async () => {
    const { lesson, url } = await videoLesson('Ready', { captions: true });
    const page = await student.agent.get(url);
    const base = `/learn/${slug}/lessons/${lesson.id}/captions`;
    expect(page.text).toContain(`<track kind="captions" srclang="en" label="English" src="${base}/en.vtt" default>`);
    expect(page.text).toContain(`<track kind="captions" srclang="es" label="Español" src="${base}/es.vtt">`);
    expect(page.text).toMatch(/<details id="transcript" class="transcript" lang="en">\s*<summary>Transcript \(English\)<\/summary>\s*<p>One row per sale.<\/p>\s*<p>The date &lt;b&gt;as a date&lt;\/b&gt;.<\/p>/);
    expect(page.text).toContain(`<a href="${url}?transcript=es#transcript" hreflang="es">Español</a>`);
    // The other language's transcript, opened; a Spanish reader's browser gets Spanish tracks by default.
    const es = await student.agent.get(`${url}?transcript=es`);
    expect(es.text).toMatch(/<details id="transcript" class="transcript" lang="es" open>\s*<summary>Transcript \(Español\)<\/summary>\s*<p>Una fila por venta.<\/p>/);
    const spanish = await student.agent.get(url).set('Accept-Language', 'es-ES,es;q=0.9');
    expect(spanish.text).toContain(`src="${base}/es.vtt" default>`);
    expect(spanish.text).not.toContain(`src="${base}/en.vtt" default>`);
  });

  it('serves a caption track to who may open the lesson only', async () => {
    const { lesson } = await videoLesson('Ready', { captions: true });
    const vtt = `/learn/${slug}/lessons/${lesson.id}/captions/en.vtt`;
    const ok = await student.agent.get(vtt);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['cache-control']).toMatch(/^private/);
    expect(ok.text).toBe(VTT('One row per sale.'));
    expect((await teacher.agent.get(vtt)).status).toBe(200);
    expect((await student.agent.get(`/learn/${slug}/lessons/${lesson.id}/captions/fr.vtt`)).status).toBe(404);

    const stranger = await signedInAs(t.app, t.db, 'student');
    expect((await stranger.agent.get(vtt)).status).toBe(404);
    expect((await t.request().get(vtt)).status).not.toBe(200);

    // Another course's lesson under this course's address: 404, even for a student of both.
    const other = await createCourse(t.db, { userId: teacher.user.id });
    const otherChapter = await createChapter(t.db, { courseId: other.id });
    await createEnrollment(t.db, { userId: student.user.id, courseId: other.id });
    const elsewhere = await videoLesson('Ready', { captions: true, chapter: otherChapter.id });
    expect((await student.agent.get(`/learn/${slug}/lessons/${elsewhere.lesson.id}/captions/en.vtt`)).status).toBe(404);
    expect((await student.agent.get(`/learn/${other.slug}/lessons/${elsewhere.lesson.id}/captions/en.vtt`)).status).toBe(200);

    // A lesson not released yet: its track is not served either.
    const draft = await createLesson(t.db, { chapterId, status: 'Draft' });
    await t.db.insertInto('lessonCaption').values({ lessonId: draft.id, language: 'en', label: 'English', vtt: VTT('Soon.'), transcript: 'Soon.' }).execute();
    expect((await student.agent.get(`/learn/${slug}/lessons/${draft.id}/captions/en.vtt`)).status).toBe(404);
  });

  it('answers Range requests on every copy', async () => {
    const { videoKey } = await videoLesson('Ready');
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    for (const kind of ['audio', 'small', 'hd', 'poster'] as const) {
      const key = renditionKey(videoKey, kind);
      const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      await storage.put(key, body, { contentType: 'application/octet-stream', contentLength: body.length });
      const head = await student.agent.get(`/media/${key}`).set('Range', 'bytes=0-99').buffer(true).parse(binary);
      expect(head.status, kind).toBe(206);
      expect(head.headers['content-range']).toBe('bytes 0-99/1000');
      expect(Buffer.compare(head.body as Buffer, body.subarray(0, 100))).toBe(0);
      const tail = await student.agent.get(`/media/${key}`).set('Range', 'bytes=-10').buffer(true).parse(binary);
      expect(tail.status, kind).toBe(206);
      expect(tail.headers['content-range']).toBe('bytes 990-999/1000');
      expect(Buffer.compare(tail.body as Buffer, body.subarray(990))).toBe(0);
    }
  });

  it('fits the page budget; a video with copies and two captions adds one query to a lesson without video', async () => {
    const plain = await createLesson(t.db, { chapterId, title: 'Reading only' });
    const { url } = await videoLesson('Ready', { captions: true });
    const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i}: ${'the cue text of a ten minute lesson, spoken slowly. '.repeat(6)}`).join('\n\n');
    await t.db.updateTable('lessonCaption').set({ transcript: long }).where('language', '=', 'en').where('lessonId', '=', url.split('/').pop()!).execute();
    await student.agent.get(url);
    await student.agent.get(`/learn/${slug}/lessons/${plain.id}`);
    const without = await countQueries(t.db, () => student.agent.get(`/learn/${slug}/lessons/${plain.id}`));
    const withVideo = await countQueries(t.db, () => student.agent.get(url));
    expect(withVideo.result.status).toBe(200);
    expect(withVideo.count - without.count).toBeLessThanOrEqual(1);
    const size = expectWithinPageBudget(withVideo.result);
    console.info(`lesson page with a Ready video, 2 captions and a ${long.length}-character transcript: ${size} bytes gzipped, ${withVideo.count} queries (${without.count} without video)`);
  });
});
