import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/** A lesson as a teacher would write it: a few paragraphs, a list, code and a table. */
const LESSON_TEXT = `Spreadsheets answer questions about your shop **if** the data is tidy.

## One row per sale

Write each sale on its own row, the moment it happens:

- the date, as a real date;
- the item, spelled the same way every time;
- the amount, as a number (no currency sign).

> Tidy data first, formulas second.

\`\`\`python
total = sum(row["amount"] for row in sales)
\`\`\`

| Item | Sold | Amount |
|------|-----:|-------:|
| Tea  | 12   | 30.00  |
| Cake | 4    | 14.00  |

Read more on [the course page](/courses) or at https://example.org/tidy-data.
`;

describe('lesson text: the teacher writes Markdown, the student reads safe HTML', () => {
  const t = useTestApp();
  let teacher: SignedIn;
  let student: SignedIn;
  let course: { id: string; slug: string };
  let lesson: { id: string; chapterId: string };
  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    course = await createCourse(t.db, { userId: teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'A daily sales log' });
    student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
  });
  const save = (who: SignedIn, content: string, title = 'A daily sales log') =>
    who.post(`/teach/lessons/${lesson.id}`, { title, description: 'One row per sale.', content });
  const lessonPage = () => student.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(200);

  it('saved once as source and rendered HTML; the student sees it inside .prose, the teacher edits the source', async () => {
    const edit = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
    expect(edit.text).toMatch(/<textarea id="f-content" name="content"/);
    expect(edit.text).toContain('Markdown');

    await save(teacher, LESSON_TEXT).expect(303);
    const row = await t.db.selectFrom('lesson').select(['contentMarkdown', 'contentHtml']).where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(row.contentMarkdown).toBe(LESSON_TEXT.trimEnd());
    expect(row.contentHtml).toContain('<h2>One row per sale</h2>');

    const page = await lessonPage();
    const prose = /<div class="prose" hx-disable>([\s\S]*?)<\/div>/.exec(page.text)?.[1] ?? '';
    expect(prose).toContain('<p>Spreadsheets answer questions about your shop <strong>if</strong> the data is tidy.</p>');
    expect(prose).toContain('<li>the amount, as a number (no currency sign).</li>');
    expect(prose).toContain('<pre tabindex="0"><code class="language-python">total = sum(row["amount"] for row in sales)');
    expect(prose).toMatch(/<th>Item<\/th>\s*<th>Sold<\/th>/);
    expect(prose).toContain('<a href="/courses" rel="nofollow noopener">the course page</a>');
    expect(prose).toContain('<a href="https://example.org/tidy-data" rel="nofollow noopener">');

    const again = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
    expect(again.text).toContain('| Tea  | 12   | 30.00  |');
  });

  it('strips what could run or drive htmx, and shows only this course\'s own images', async () => {
    const otherCourse = await createCourse(t.db);
    const ownImage = '/media/thumbnails/2026/11/6f1e9a52-8c43-4a3e-9b1f-2d1c5e8a7b90.webp';
    await t.db.updateTable('lesson').set({ thumbnailKey: ownImage.slice('/media/'.length) }).where('id', '=', lesson.id).execute();
    const nasty = [
      '<script>alert("x")</script>',
      '<img src=x onerror=alert(1)>',
      '[click me](javascript:alert(1))',
      '<div hx-get="/account/sessions/others/revoke" hx-trigger="load">boom</div>',
      '<p data-hx-post="/auth/logout" style="position:fixed">x</p>',
      `![ours](${ownImage})`,
      `![theirs](/media/${otherCourse.fileKey})`,
      '![far](https://evil.example/pixel.gif)',
    ].join('\n\n');
    await save(teacher, nasty).expect(303);
    const page = await lessonPage();
    // Sanitised HTML has no <div>: the first </div> closes .prose.
    const prose = /<div class="prose" hx-disable>([\s\S]*?)<\/div>/.exec(page.text)?.[1] ?? '';
    // Only real tags count: what was typed as HTML is shown as text (&lt;div hx-get=...&gt;).
    const tags = prose.match(/<[^>]+>/g) ?? [];
    expect(tags.filter((tag) => /^<(script|div|p data)|\son\w+=|\shx-|\sdata-|\sstyle=|href="javascript/i.test(tag))).toEqual([]);
    expect(prose).toContain('&lt;div hx-get=');
    expect(prose).toContain(`<img src="${ownImage}" alt="ours" loading="lazy" />`);
    expect(prose).not.toContain(otherCourse.fileKey);
    expect(prose).not.toContain('evil.example');
    expect(prose).toContain('&lt;script&gt;');
  });

  it('too long: 422 with a clear message and every character the teacher typed kept in the form', async () => {
    const before = await t.db.selectFrom('lesson').select('contentMarkdown').where('id', '=', lesson.id).executeTakeFirstOrThrow();
    // Over 100 KB once form-encoded too (the ü and the newlines triple): still a 422, never a 413.
    const long = `${'Grüße aus der Küche.\n'.repeat(4_800)}THE END`;
    expect(long.length).toBeGreaterThan(100_000);
    const res = await save(teacher, long, 'Renamed while too long');
    expect(res.status).toBe(422);
    expect(res.text).toContain('The lesson text must be at most 100,000 characters');
    expect(res.text).toContain('Grüße aus der Küche.\nGrüße');
    expect(res.text).toContain('THE END</textarea>');
    expect(res.text).toContain('value="Renamed while too long"');
    const after = await t.db.selectFrom('lesson').select(['contentMarkdown', 'title']).where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ contentMarkdown: before.contentMarkdown, title: 'A daily sales log' });
  });

  it('a missing title is refused with the lesson text kept; an empty text clears it', async () => {
    const res = await teacher.post(`/teach/lessons/${lesson.id}`, { title: '', content: '## Kept\n\nAll of it.' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('## Kept\n\nAll of it.</textarea>');
    await save(teacher, '   \n').expect(303);
    const row = await t.db.selectFrom('lesson').select(['contentMarkdown', 'contentHtml']).where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ contentMarkdown: null, contentHtml: null });
    expect((await lessonPage()).text).not.toContain('class="prose" hx-disable');
  });

  it('another teacher cannot edit the lesson (404) and the text stays as it was', async () => {
    await save(teacher, 'Mine.').expect(303);
    const other = await signedInAs(t.app, t.db, 'teacher');
    await other.agent.get(`/teach/lessons/${lesson.id}`).expect(404);
    await save(other, 'Defaced.').expect(404);
    const row = await t.db.selectFrom('lesson').select('contentMarkdown').where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(row.contentMarkdown).toBe('Mine.');
  });

  it('the lesson page with text and files fits the page budget, and its query count does not grow with the files', async () => {
    await save(teacher, LESSON_TEXT.repeat(4)).expect(303);
    const addFiles = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await t.db
          .insertInto('lessonAttachment')
          .values({ lessonId: lesson.id, fileKey: `attachments/2026/11/${crypto.randomUUID()}.pdf`, fileName: `Worksheet ${i + 1} with a longer name.pdf`, contentType: 'application/pdf', sizeBytes: 123_456 * (i + 1), position: i + 1 })
          .execute();
      }
    };
    await addFiles(2);
    await lessonPage();
    const few = await countQueries(t.db, () => lessonPage());
    await addFiles(15);
    const many = await countQueries(t.db, () => lessonPage());
    expect(many.count).toBe(few.count);
    expect(many.result.text).toContain('Worksheet 15 with a longer name.pdf');
    expect(many.result.text).toContain('PDF · 1.9 MB');
    const size = expectWithinPageBudget(many.result);
    console.info(`lesson page with ${LESSON_TEXT.repeat(4).length} characters of text and 17 files: ${size} bytes gzipped, ${many.count} queries`);
  });
});
