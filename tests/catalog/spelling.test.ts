import { describe, expect, it } from 'vitest';
import { correctSpelling, editDistance } from '../../src/features/catalog/spelling.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createLesson, createTeacher } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** The course titles a results page lists (its cards' headings), in order. */
const shownTitles = (html: string, titles: string[]) => titles.filter((title) => html.includes(title));
const unescape = (s: string) => s.replaceAll('&amp;', '&');

describe('typo-tolerant catalog search', () => {
  const t = useTestApp();

  it('finds "pyton", "htlm" and "spredsheet", says what it searched instead, and offers the words as typed', async () => {
    const teacher = await createTeacher(t.db);
    await createCourse(t.db, { userId: teacher.id, title: 'Python for Data Analysis', smallDescription: 'Clean and chart data sets.', category: 'Data' });
    await createCourse(t.db, { userId: teacher.id, title: 'Web Pages with HTML and CSS', smallDescription: 'Your first web page.', category: 'Web' });
    await createCourse(t.db, { userId: teacher.id, title: 'Practical Spreadsheets for Small Business', smallDescription: 'Track sales and stock.', category: 'Business' });
    const all = ['Python for Data Analysis', 'Web Pages with HTML and CSS', 'Practical Spreadsheets for Small Business'];

    for (const [typed, meant, title] of [
      ['pyton', 'python', 'Python for Data Analysis'],
      ['htlm', 'html', 'Web Pages with HTML and CSS'],
      ['spredsheet', 'spreadsheets', 'Practical Spreadsheets for Small Business'],
      ['Pyton DATA', 'python data', 'Python for Data Analysis'],
    ] as const) {
      const res = await t.request().get(`/courses?q=${encodeURIComponent(typed)}`).expect(200);
      expect(shownTitles(res.text, all), typed).toEqual([title]);
      expect(res.text).toContain(`Showing results for <strong>${meant}</strong>.`);
      expect(res.text).toContain(`1 course for &quot;${meant}&quot;`);
      // What was typed stays in the search box, and one link searches exactly that.
      expect(res.text).toContain(`value="${typed}"`);
      const exact = /<a href="([^"]+)">Search instead for ([^<]+)<\/a>/.exec(res.text)!;
      expect(exact[2]).toBe(typed);
      const asTyped = await t.request().get(unescape(exact[1]!)).expect(200);
      expect(asTyped.text).not.toContain('Showing results for');
      expect(asTyped.text).toContain(`value="${typed}"`);
      expect(shownTitles(asTyped.text, all)).toEqual([]);
    }

    // The search keeps the visitor's filters and sort, and the link back keeps them too.
    const filtered = await t.request().get('/courses?q=pyton&category=Data&sort=newest').expect(200);
    expect(shownTitles(filtered.text, all)).toEqual(['Python for Data Analysis']);
    const link = unescape(/<a href="([^"]+)">Search instead for pyton<\/a>/.exec(filtered.text)![1]!);
    expect(new URL(link, 'http://x').searchParams.toString()).toBe('q=pyton&category=Data&sort=newest&exact=1');
  });

  it('leaves words that match alone: partial words, "web basci", stop words, and no suggestion when it finds something', async () => {
    const teacher = await createTeacher(t.db);
    await createCourse(t.db, { userId: teacher.id, title: 'Web Basics on Any Connection', smallDescription: 'A gentle start.', category: 'Web' });
    await createCourse(t.db, { userId: teacher.id, title: 'Photography Essentials', smallDescription: 'Light and composition.', category: 'Art' });
    for (const q of ['photog', 'web basci', 'photography with light', 'essentials']) {
      const res = await t.request().get(`/courses?q=${encodeURIComponent(q)}`).expect(200);
      expect(res.text, q).not.toContain('Showing results for');
      expect(res.text, q).not.toContain('0 courses');
    }
  });

  it('a nonsense word finds nothing and suggests nothing; short words are never guessed at', async () => {
    await createCourse(t.db, { title: 'Knitting Patterns', smallDescription: 'Scarves and hats.', category: 'Crafts' });
    for (const q of ['zqxjvw', 'xkcdqp knitting', 'kntx', 'hts']) {
      const res = await t.request().get(`/courses?q=${encodeURIComponent(q)}`).expect(200);
      expect(res.text, q).not.toContain('Showing results for');
      expect(res.text, q).toContain('0 courses');
      expect(res.text, q).toContain('No course matches.');
    }
  });

  it('never suggests the words of a draft, an archived or a renamed course', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    await createCourse(t.db, { userId: teacher.user.id, title: 'Xylophone Tuning Secrets', status: 'Draft' });
    const res = await t.request().get('/courses?q=xylophnoe').expect(200);
    expect(res.text).not.toContain('Showing results for');
    expect(res.text).not.toContain('xylophone');

    // Published through the teacher's own form, the course's words are suggested; archived, gone.
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Quokka Care at Home', status: 'Draft' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id });
    await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' }).expect(303);
    expect((await t.request().get('/courses?q=qoukka').expect(200)).text).toContain('Showing results for <strong>quokka</strong>.');
    await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Archived' }).expect(303);
    expect((await t.request().get('/courses?q=qoukka').expect(200)).text).not.toContain('Showing results for');

    // A word two courses share stays while either is published; a renamed title takes its old words along.
    const a = await createCourse(t.db, { title: 'Marimba Rhythms', smallDescription: 'Mallets.', category: 'Music' });
    await createCourse(t.db, { title: 'Marimba Repertoire', smallDescription: 'Pieces.', category: 'Music' });
    await t.db.updateTable('course').set({ title: 'Vibraphone Rhythms' }).where('id', '=', a.id).execute();
    expect((await t.request().get('/courses?q=marimab').expect(200)).text).toContain('Showing results for <strong>marimba</strong>.');
    await t.db.updateTable('course').set({ status: 'Archived' }).where('title', '=', 'Marimba Repertoire').execute();
    expect((await t.request().get('/courses?q=marimab').expect(200)).text).not.toContain('Showing results for');
    const words = await t.db.selectFrom('searchWord').select(['word', 'ndoc']).where('word', 'in', ['marimba', 'vibraphone', 'rhythms', 'xylophone', 'quokka']).orderBy('word').execute();
    expect(words).toEqual([
      { word: 'rhythms', ndoc: 1 },
      { word: 'vibraphone', ndoc: 1 },
    ]);
  });

  it('records what was typed, runs a fixed number of queries, and stays within the page budget with many courses', async () => {
    const teacher = await createTeacher(t.db);
    await createCourse(t.db, { userId: teacher.id, title: 'Gardening with Compost', smallDescription: 'Soil first.', category: 'Garden' });
    // The same number of queries whether a word is corrected or not.
    const plain = await countQueries(t.db, () => t.request().get('/courses?q=gardening').expect(200));
    const few = await countQueries(t.db, () => t.request().get('/courses?q=gardenign%20compots').expect(200));
    expect(few.result.text).toContain('Showing results for <strong>gardening compost</strong>.');
    expect(few.count).toBe(plain.count);
    // The search recorded is what the visitor typed, with the results they were shown.
    const user = await signedInAs(t.app, t.db, 'student');
    await user.agent.get('/courses?q=gardenign%20compots').expect(200);
    const row = await t.db.selectFrom('searchAnalytics').selectAll().orderBy('createdAt', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ query: 'gardenign compots', resultsCount: 1, userId: user.user.id });

    await t.db
      .insertInto('course')
      .values(
        Array.from({ length: 300 }, (_, i) => ({
          title: `Gardening Course ${i} on compost, soil and seeds`,
          slug: `gardening-${i}-${Date.now()}`,
          smallDescription: `Grow vegetable number ${i} in a small garden.`,
          description: 'Compost, mulch, watering and harvest.',
          category: 'Garden',
          price: 0,
          duration: 60,
          status: 'Published' as const,
          userId: teacher.id,
        })),
      )
      .execute();
    const many = await countQueries(t.db, () => t.request().get('/courses?q=gardenign%20compots').expect(200));
    expect(many.result.text).toContain('Showing results for <strong>gardening compost</strong>.');
    expect(many.result.text).toContain('301 courses');
    expect(many.count).toBe(few.count);
    const size = expectWithinPageBudget(many.result);
    console.info(`catalog with a corrected search (301 matches): ${size} bytes gzipped, ${many.count} queries`);
  });

  it('corrects all words in one statement and counts a swap of neighbouring letters as one edit', async () => {
    expect(editDistance('htlm', 'html')).toBe(1);
    expect(editDistance('pyton', 'python')).toBe(1);
    expect(editDistance('spredsheet', 'spreadsheets')).toBe(2);
    expect(editDistance('café', 'cafe')).toBe(1);
    await createCourse(t.db, { title: 'Sourdough Bread Baking', smallDescription: 'Starter to loaf.', category: 'Cooking' });
    const counted = await countQueries(t.db, () => correctSpelling(t.db, ['sourdoguh', 'braed', 'bakign', 'starter', 'the', 'qqqqq']));
    expect(counted.count).toBe(1);
    expect(counted.result).toEqual({ words: ['sourdough', 'bread', 'baking', 'starter', 'the', 'qqqqq'], query: 'sourdough bread baking starter the qqqqq' });
    expect(await correctSpelling(t.db, [])).toBeUndefined();
    // Equally common and one edit away either way: the word of the length typed (a swap, "htlm" -> "html", not "htm").
    await createCourse(t.db, { title: 'Zop and Zorp Drills', smallDescription: 'Practice.', category: 'Drills' });
    expect(await correctSpelling(t.db, ['zopr'])).toEqual({ words: ['zorp'], query: 'zorp' });
  });
});
