import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { pngImage } from '../setup/media.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * A teacher adds captions to a lesson, replaces them, adds another language and deletes one;
 * what is refused says why at the field and changes nothing; what is stored is the rebuilt file.
 */

const ENGLISH = 'WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nWelcome to the lesson.\n\n00:00:03.000 --> 00:00:06.000\nToday: tidy data.\n';
const ENGLISH_V2 = 'WEBVTT\n\n1\n00:00.000 --> 00:03.000\nWelcome back.\n\n2\n00:03.000 --> 00:06.000\nTidy data, again.\n\n3\n00:06.000 --> 00:08.000\nLet us start.\n';
const SPANISH_SRT = '1\r\n00:00:00,000 --> 00:00:03,000\r\nBienvenidos a la lección.\r\n';

const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []);

describe('caption routes', () => {
  const t = useTestApp();
  let teacher: SignedIn;
  let lesson: { id: string };
  let page: string;

  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Tidy data' });
    page = `/teach/lessons/${lesson.id}`;
  });

  const upload = (body: Buffer | string, fields: Record<string, string>, filename = 'captions.vtt', lessonId = lesson.id) => {
    const req = teacher.agent.post(`/teach/lessons/${lessonId}/captions?_csrf=${encodeURIComponent(teacher.csrf)}`);
    for (const [name, value] of Object.entries(fields)) req.field(name, value);
    return req.attach('captions', Buffer.isBuffer(body) ? body : Buffer.from(body), { filename, contentType: 'text/vtt' });
  };
  const rows = () => t.db.selectFrom('lessonCaption').selectAll().where('lessonId', '=', lesson.id).orderBy('createdAt').execute();
  const flashAfter = async () => (await teacher.agent.get(page).expect(200)).text;

  it('uploads English, replaces it, adds Spanish from SRT, lists both, deletes one', async () => {
    const first = await upload(ENGLISH, { language: 'en' });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(`${page}#captions-title`);
    expect(await flashAfter()).toContain('English captions saved (2 cues).');
    const [en] = await rows();
    expect(en).toMatchObject({ language: 'en', label: 'English', vtt: ENGLISH, transcript: 'Welcome to the lesson. Today: tidy data.' });

    await upload(ENGLISH_V2, { language: 'en', label: 'English (teacher)' }).expect(303);
    expect(await flashAfter()).toContain('English (teacher) captions replaced (3 cues).');
    const replaced = await rows();
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatchObject({ id: en!.id, label: 'English (teacher)', transcript: 'Welcome back. Tidy data, again. Let us start.' });
    expect(replaced[0]!.vtt).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nWelcome back.\n\n00:00:03.000 --> 00:00:06.000\nTidy data, again.\n\n00:00:06.000 --> 00:00:08.000\nLet us start.\n');

    await upload(SPANISH_SRT, { language: 'es' }, 'clase.srt').expect(303);
    expect(await flashAfter()).toContain('Español captions saved (1 cue, converted from SRT).');
    const both = await rows();
    expect(both.map((r) => [r.language, r.label])).toEqual([
      ['en', 'English (teacher)'],
      ['es', 'Español'],
    ]);

    const listing = await teacher.agent.get(page).expect(200);
    expect(listing.text).toMatch(/<span>English \(teacher\)<\/span> <span class="muted"><span lang="en">en<\/span> · 3 cues · \d+ bytes · /);
    expect(listing.text).toMatch(/<span>Español<\/span> <span class="muted"><span lang="en">es<\/span> · 1 cue · \d+ bytes · /);

    const spanish = both[1]!;
    await teacher.post(`${page}/captions/${spanish.id}/delete`).expect(303);
    expect(await flashAfter()).toContain('Español captions deleted.');
    expect((await rows()).map((r) => r.language)).toEqual(['en']);
    await teacher.post(`${page}/captions/${spanish.id}/delete`).expect(404);

    const audit = await t.db.selectFrom('activityLog').select(['action', 'metadata']).where('entityId', '=', lesson.id).where('action', 'in', ['caption_saved', 'caption_deleted']).orderBy('createdAt').execute();
    expect(audit.map((a) => a.action)).toEqual(['caption_saved', 'caption_saved', 'caption_saved', 'caption_deleted']);
    expect(audit[1]!.metadata).toMatchObject({ language: 'en', cues: 3, replaced: true });
  });

  it('refuses a bad file with the message at the field, keeps the language and label, and changes nothing', async () => {
    const before = await rows();
    const srtLike = await upload('Hello, these are my captions', { language: 'fr', label: 'Français (Canada)' });
    expect(srtLike.status).toBe(422);
    expect(srtLike.text).toContain('<p class="error-text" id="cap-file-error">This is not a WebVTT file (it must start with WEBVTT).');
    expect(srtLike.text).toContain('<option value="fr" lang="fr" selected>');
    expect(srtLike.text).toContain('value="Français (Canada)"');
    expect(srtLike.text).toContain('aria-invalid="true" aria-describedby="cap-file-error"');

    const badTiming = await upload('WEBVTT\n\n00:01.5 --> 00:03\nHi\n', { language: 'en' });
    expect(badTiming.status).toBe(422);
    expect(badTiming.text).toContain('Line 3: the cue timing &#39;00:01.5 --&gt; 00:03&#39; is not valid (use 00:00:01.500');

    const image = await upload(await pngImage(40, 30), { language: 'en' }, 'captions.vtt');
    expect(image.status).toBe(422);
    expect(image.text).toContain('That file is not a captions file: choose a WebVTT (.vtt) or SRT (.srt) text file.');

    const badLanguage = await upload(ENGLISH, { language: 'english please' });
    expect(badLanguage.status).toBe(422);
    expect(badLanguage.text).toContain('<p class="error-text" id="cap-language-error">Choose a language from the list');

    const noFile = await teacher.agent.post(`${page}/captions?_csrf=${encodeURIComponent(teacher.csrf)}`).field('language', 'en');
    expect(noFile.status).toBe(422);
    expect(noFile.text).toContain('Choose a WebVTT (.vtt) or SRT (.srt) file to upload.');

    expect(await rows()).toEqual(before);
    expect(files(path.join(t.config.dataDir, 'tmp'))).toEqual([]);
  });

  it('refuses a file over 1 MB (413) with a clear message, keeping nothing', async () => {
    const before = await rows();
    const big = await upload(`WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n${'a'.repeat(1024 * 1024)}\n`, { language: 'de' });
    expect(big.status).toBe(413);
    expect(big.text).toContain('The captions file is too large: the limit is 1 MB.');
    expect(await rows()).toEqual(before);
    expect(files(path.join(t.config.dataDir, 'tmp'))).toEqual([]);
  });

  it('stores the rebuilt file: no HTML, no script, no htmx attribute, no STYLE', async () => {
    const hostile = [
      'WEBVTT',
      '',
      'STYLE',
      '::cue { background-image: url(javascript:alert(1)) }',
      '',
      '00:00:00.000 --> 00:00:02.000 align:start onload:alert(1)',
      '<script>alert(1)</script><img src=x onerror=alert(2)> <b hx-get="/account" hx-trigger="load">Hi</b>',
      '<a href="javascript:alert(3)">link</a> --> <c.red>red</c>',
    ].join('\r\n');
    await upload(hostile, { language: 'pt-br', label: '<b>Português</b>' }).expect(303);
    const row = await t.db.selectFrom('lessonCaption').selectAll().where('lessonId', '=', lesson.id).where('language', '=', 'pt-BR').executeTakeFirstOrThrow();
    expect(row.vtt).toBe('WEBVTT\n\n00:00:00.000 --> 00:00:02.000 align:start\nalert(1) <b>Hi</b>\nlink --&gt; <c>red</c>\n');
    expect(row.label).toBe('<b>Português</b>');
    // The label is the teacher's text, shown escaped.
    const listing = await teacher.agent.get(page);
    expect(listing.text).toContain('<span>&lt;b&gt;Português&lt;/b&gt;</span>');
    expect(listing.text).not.toContain('<b>Português</b>');
  });

  it("deleting another lesson's caption through this lesson is 404, and it stays", async () => {
    const other = await createLesson(t.db, { chapterId: (await t.db.selectFrom('lesson').select('chapterId').where('id', '=', lesson.id).executeTakeFirstOrThrow()).chapterId });
    await upload(ENGLISH, { language: 'en' }, 'captions.vtt', other.id).expect(303);
    const theirs = await t.db.selectFrom('lessonCaption').select('id').where('lessonId', '=', other.id).executeTakeFirstOrThrow();
    await teacher.post(`${page}/captions/${theirs.id}/delete`).expect(404);
    await teacher.post(`${page}/captions/not-a-uuid/delete`).expect(404);
    expect(await t.db.selectFrom('lessonCaption').select('id').where('id', '=', theirs.id).execute()).toHaveLength(1);
  });
});
