import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { collectUnreferencedFiles } from '../../src/jobs/collect-unreferenced-files.ts';
import { createDiskStorage } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createTeacher } from '../setup/factories.ts';
import { pngImage } from '../setup/media.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/** Issue 12.3: course images in two widths on cards and course pages, a placeholder without one. */

const imgTags = (html: string) => html.match(/<img class="cover"[^>]*>/g) ?? [];
const cardOf = (html: string, slug: string) => {
  const at = html.indexOf(`href="/courses/${slug}`);
  const start = html.lastIndexOf('<li class="card">', at);
  return html.slice(start, html.indexOf('</li>', at));
};

describe('course images', () => {
  const t = useTestApp();
  let teacher: SignedIn;
  const uploads = () => path.join(t.config.dataDir, 'uploads');
  const onDisk = (key: string) => existsSync(path.join(uploads(), key));
  const upload = (courseId: string, body: Buffer) =>
    teacher.agent
      .post(`/teach/courses/${courseId}/thumbnail?_csrf=${encodeURIComponent(teacher.csrf)}`)
      .attach('thumbnail', body, { filename: 'photo.png', contentType: 'image/png' });
  const fileKeyOf = async (id: string) => (await t.db.selectFrom('course').select('fileKey').where('id', '=', id).executeTakeFirstOrThrow()).fileKey!;

  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
  });

  it('an upload is stored as a 640 and a 320 px WebP, both 16:9, and served by the course’s rules', async () => {
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', fileKey: null, slug: 'two-widths' });
    await upload(course.id, await pngImage(1200, 900)).expect(303);
    const key = await fileKeyOf(course.id);
    expect(key).toMatch(/^thumbnails\/\d{4}\/\d{2}\/[0-9a-f-]{36}-640w\.webp$/);
    const small = key.replace('-640w.webp', '-320w.webp');

    const wide = await teacher.agent.get(`/media/${key}`).buffer(true).expect(200);
    const narrow = await teacher.agent.get(`/media/${small}`).buffer(true).expect(200);
    expect(await sharp(wide.body as Buffer).metadata()).toMatchObject({ format: 'webp', width: 640, height: 360 });
    expect(await sharp(narrow.body as Buffer).metadata()).toMatchObject({ format: 'webp', width: 320, height: 180 });
    expect(narrow.headers['content-type']).toBe('image/webp');

    // The small copy follows the course: a draft's is the teacher's alone, then public.
    await t.request().get(`/media/${small}`).expect(404);
    await t.db.updateTable('course').set({ status: 'Published' }).where('id', '=', course.id).execute();
    const visitor = await t.request().get(`/media/${small}`).expect(200);
    expect(visitor.headers['cache-control']).toBe('public, max-age=86400');
    // A derived name of a key nobody holds, or of a non-course file, is a 404.
    await t.request().get(`/media/thumbnails/2026/11/00000000-0000-4000-8000-000000000000-320w.webp`).expect(404);
  });

  it('replacing the image deletes both old widths; the unreferenced-file sweep keeps a live 320 px copy and takes an orphaned one', async () => {
    const course = await createCourse(t.db, { userId: teacher.user.id, fileKey: null });
    await upload(course.id, await pngImage(800, 600)).expect(303);
    const first = await fileKeyOf(course.id);
    const firstSmall = first.replace('-640w', '-320w');
    expect(onDisk(first) && onDisk(firstSmall)).toBe(true);

    await upload(course.id, await pngImage(1000, 500)).expect(303);
    const second = await fileKeyOf(course.id);
    expect(second).not.toBe(first);
    expect(onDisk(first)).toBe(false);
    expect(onDisk(firstSmall)).toBe(false);
    expect(onDisk(second) && onDisk(second.replace('-640w', '-320w'))).toBe(true);

    const storage = createDiskStorage(uploads());
    await collectUnreferencedFiles({ db: t.db, storage, graceMs: 0 });
    expect(onDisk(second) && onDisk(second.replace('-640w', '-320w'))).toBe(true);

    // Nothing points at the set any more (a crash between storing and committing, say): both go.
    await t.db.updateTable('course').set({ fileKey: null }).where('id', '=', course.id).execute();
    await collectUnreferencedFiles({ db: t.db, storage, graceMs: 0 });
    expect(onDisk(second)).toBe(false);
    expect(onDisk(second.replace('-640w', '-320w'))).toBe(false);
  });

  it('cards carry srcset, width, height and loading="lazy" (the home page’s first row eager); no image: a generated placeholder; an old one-size image still shows', async () => {
    const owner = await createTeacher(t.db);
    const at = (minutes: number) => new Date(Date.now() + 3_600_000 + minutes * 60_000);
    await createCourse(t.db, { userId: owner.id, slug: 'with-image', title: 'With Image', fileKey: 'thumbnails/2026/11/11111111-1111-4111-8111-111111111111-640w.webp', createdAt: at(6) });
    await createCourse(t.db, { userId: owner.id, slug: 'no-image', title: 'Spreadsheets for Shops', category: 'Business', fileKey: null, createdAt: at(5) });
    await createCourse(t.db, { userId: owner.id, slug: 'old-image', title: 'Old Image', fileKey: 'thumbnails/2025/01/22222222-2222-4222-8222-222222222222.webp', createdAt: at(4) });
    for (let i = 0; i < 3; i++) {
      await createCourse(t.db, { userId: owner.id, slug: `later-${i}`, fileKey: `thumbnails/2026/11/3333333${i}-3333-4333-8333-333333333333-640w.webp`, createdAt: at(3 - i) });
    }

    const catalog = await t.request().get('/courses').expect(200);
    const card = cardOf(catalog.text, 'with-image');
    expect(card).toContain(
      '<img class="cover" src="/media/thumbnails/2026/11/11111111-1111-4111-8111-111111111111-320w.webp" srcset="/media/thumbnails/2026/11/11111111-1111-4111-8111-111111111111-320w.webp 320w, /media/thumbnails/2026/11/11111111-1111-4111-8111-111111111111-640w.webp 640w"',
    );
    expect(card).toMatch(/sizes="[^"]+" width="320" height="180" alt="" loading="lazy">/);
    for (const tag of imgTags(catalog.text)) expect(tag).toMatch(/width="320" height="180" alt="" loading="lazy"/);

    const placeholder = cardOf(catalog.text, 'no-image');
    expect(placeholder).not.toContain('<img');
    expect(placeholder).toMatch(/<svg class="cover" viewBox="0 0 32 18" width="320" height="180" aria-hidden="true"><rect[^>]+fill="hsl\(\d+,40%,34%\)"/);
    expect(placeholder).toContain('>SS</text></svg>');

    const old = cardOf(catalog.text, 'old-image');
    expect(old).toContain('<img class="cover" src="/media/thumbnails/2025/01/22222222-2222-4222-8222-222222222222.webp" width="320" height="180" alt="" loading="lazy">');

    // Home: the first three cards (the first row) load at once, the rest lazily.
    const home = await t.request().get('/').expect(200);
    const tags = imgTags(home.text);
    expect(tags.length).toBeGreaterThanOrEqual(4);
    expect(tags.slice(0, 2).every((tag) => !tag.includes('loading='))).toBe(true); // with-image, old-image (no-image is an svg)
    expect(tags.slice(2).every((tag) => tag.includes('loading="lazy"'))).toBe(true);

    // The course page: the 640 px image first, both widths offered.
    const page = await t.request().get('/courses/with-image').expect(200);
    expect(page.text).toMatch(/<img class="cover" src="[^"]+-320w\.webp" srcset="[^"]+ 320w, [^"]+-640w\.webp 640w" sizes="[^"]+" width="640" height="360" alt="">/);
    const none = await t.request().get('/courses/no-image').expect(200);
    expect(none.text).toContain('<svg class="cover" viewBox="0 0 32 18" width="640" height="360"');
  });

  it('home and catalog stay within the page budget with 12 imaged cards, with the same number of queries', async () => {
    const few = {
      home: await countQueries(t.db, () => t.request().get('/').expect(200)),
      catalog: await countQueries(t.db, () => t.request().get('/courses').expect(200)),
    };
    const owner = await createTeacher(t.db);
    for (let i = 0; i < 14; i++) {
      await createCourse(t.db, {
        userId: owner.id,
        title: `Imaged course ${i} with a rather long title to weigh the page down`,
        category: `Category ${i % 5}`,
        fileKey: i % 4 === 0 ? null : `thumbnails/2026/11/${String(i).padStart(8, '0')}-aaaa-4aaa-8aaa-aaaaaaaaaaaa-640w.webp`,
        createdAt: new Date(Date.now() + 7_200_000 + i * 60_000),
      });
    }
    const many = {
      home: await countQueries(t.db, () => t.request().get('/').expect(200)),
      catalog: await countQueries(t.db, () => t.request().get('/courses').expect(200)),
    };
    expect(many.home.count).toBe(few.home.count);
    expect(many.catalog.count).toBe(few.catalog.count);
    const catalogCards = many.catalog.result.text.match(/<li class="card">/g)!.length;
    expect(catalogCards).toBe(12);
    const home = expectWithinPageBudget(many.home.result);
    const catalog = expectWithinPageBudget(many.catalog.result);
    console.info(`with course images: home ${home} bytes gzipped, catalog (12 cards) ${catalog} bytes gzipped`);
  });

  it('the demo seed gives two of its three courses an image (stored in both widths) and leaves one to the placeholder', async () => {
    const dataDir = path.join(t.config.dataDir, 'seed');
    const storage = createDiskStorage(path.join(dataDir, 'uploads'));
    await seedDemo(t.db, { env: 'development', storage });
    const rows = await t.db.selectFrom('course').select(['slug', 'fileKey']).where('slug', 'in', ['web-basics-on-any-connection', 'practical-spreadsheets-for-small-business', 'data-analysis-with-python']).orderBy('slug').execute();
    const sizes: string[] = [];
    for (const row of rows.filter((r) => r.fileKey)) {
      for (const key of [row.fileKey!, row.fileKey!.replace('-640w', '-320w')]) {
        const file = path.join(dataDir, 'uploads', key);
        const meta = await sharp(file).metadata();
        expect(meta.width! * 9).toBe(meta.height! * 16);
        sizes.push(`${row.slug} ${meta.width}px ${statSync(file).size} B`);
        if (meta.width === 320) expect(statSync(file).size).toBeLessThan(8 * 1024);
      }
    }
    expect(rows.filter((r) => r.fileKey)).toHaveLength(2);
    expect(rows.find((r) => r.slug === 'practical-spreadsheets-for-small-business')?.fileKey).toBeNull();
    console.info(`demo course images: ${sizes.join('; ')}`);
  });
});
