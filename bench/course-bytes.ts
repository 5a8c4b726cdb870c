/**
 * `npx tsx bench/course-bytes.ts`: what a student downloads to finish the demo course "Web basics
 * on any connection", at each video setting. A throwaway embedded PostgreSQL with the demo data and
 * its videos transcoded by the real worker (ffmpeg); the demo student then opens every lesson of the
 * course through the app (gzip, as a browser asks), and the video each setting plays is counted in
 * full, as watching to the end or saving it offline downloads it:
 *
 *   original   the file as the teacher uploaded it (what every student got before issue 20)
 *   HD         the default without data saver
 *   small      data saver on (or Save-Data), the 360p copy
 *   audio only the student's pick for the lowest cost
 *
 * Pages, the stylesheet, the scripts and the posters are the same in every column but the original
 * (no poster was made then) and are counted once each. Prints a Markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import supertest from 'supertest';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { startVideoWorkers } from '../src/features/video/worker.ts';
import { freePort } from '../src/lib/free-port.ts';
import { createJobQueue } from '../src/queue/boss.ts';
import { createStorage } from '../src/storage/index.ts';
import { DEMO_PASSWORD, seedDemo } from '../seeds/demo.ts';
import { DEMO_COURSE_SLUGS } from '../seeds/demo-analytics-plan.ts';

const logger = pino({ level: 'silent' });
const work = mkdtempSync(path.join(os.tmpdir(), 'edupeak-course-bytes-'));
const server = await startEmbeddedPostgres({ directory: path.join(work, 'pg'), port: await freePort(), database: 'bytes' });
const db = createDatabase({ connectionString: server.url, max: 5 });
try {
  const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: path.join(work, 'data'), SESSION_SECRET: 'course-bytes-course-bytes-course-bytes-01', LOG_LEVEL: 'silent', VIDEO_WORKERS: '2' });
  const storage = createStorage(config);
  await migrateToLatest(db);
  await seedDemo(db, { env: 'development', storage });
  const queue = createJobQueue({ db, logger, maintenanceIntervalSeconds: 1 });
  await queue.start();
  await startVideoWorkers({ db, storage, logger, queue, config }, { pollingIntervalSeconds: 0.5 });
  for (let waited = 0; ; waited += 500) {
    const left = await db.selectFrom('videoTranscode').select('status').where('status', 'in', ['Queued', 'Processing']).execute();
    if (left.length === 0) break;
    if (waited > 180_000) throw new Error('the demo videos were not transcoded within 3 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
  await queue.stop();

  const app = createApp({ config, db, logger, storage, queue });
  const agent = supertest.agent(app);
  const login = await agent.get('/auth/login');
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(login.text)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1];
  if (!csrf) throw new Error(`no sign-in form (${login.status})`);
  await agent.post('/auth/login').type('form').send({ email: 'student@example.com', password: DEMO_PASSWORD, _csrf: csrf }).expect(303);

  const slug = DEMO_COURSE_SLUGS.web;
  const lessons = await db
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .leftJoin('videoTranscode as t', 't.videoKey', 'l.videoKey')
    .select(['l.id', 'l.title', 'l.videoKey', 't.sourceBytes', 't.status'])
    .where('c.slug', '=', slug)
    .where('l.status', '=', 'Published')
    .orderBy('ch.position')
    .orderBy('l.position')
    .execute();
  const renditions = await db.selectFrom('videoRendition').select(['videoKey', 'kind', 'bytes']).execute();
  const sizeOf = (videoKey: string, kind: string) => Number(renditions.find((r) => r.videoKey === videoKey && r.kind === kind)?.bytes ?? 0);

  let pages = 0;
  const assets = new Set<string>();
  const totals = { original: 0, hd: 0, small: 0, audio: 0, posters: 0 };
  let videos = 0;
  for (const lesson of lessons) {
    const page = await agent.get(`/learn/${slug}/lessons/${lesson.id}`).set('Accept-Encoding', 'gzip');
    if (page.status !== 200) throw new Error(`${lesson.title}: ${page.status}`);
    pages += gzipSync(page.text).length;
    for (const m of page.text.matchAll(/(?:href|src)="(\/static\/[^"]+\.(?:css|js))"/g)) assets.add(m[1]!);
    if (!lesson.videoKey) continue;
    videos++;
    totals.original += Number(lesson.sourceBytes);
    totals.hd += sizeOf(lesson.videoKey, 'hd') || sizeOf(lesson.videoKey, 'small');
    totals.small += sizeOf(lesson.videoKey, 'small');
    totals.audio += sizeOf(lesson.videoKey, 'audio');
    totals.posters += sizeOf(lesson.videoKey, 'poster');
  }
  let assetBytes = 0;
  for (const url of assets) {
    const res = await agent.get(url);
    assetBytes += gzipSync(res.text ?? res.body).length;
  }
  const kb = (n: number) => `${(n / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} KB`;
  const shared = pages + assetBytes;
  console.log(`Demo course "${slug}": ${lessons.length} lessons, ${videos} with video; pages ${kb(pages)} gzipped, scripts and styles ${kb(assetBytes)} gzipped.\n`);
  console.log('| setting | video | posters | pages, CSS, JS | total | vs original |');
  console.log('|---|---|---|---|---|---|');
  const row = (name: string, video: number, posters: number) => {
    const total = video + posters + shared;
    const original = totals.original + shared;
    console.log(`| ${name} | ${kb(video)} | ${kb(posters)} | ${kb(shared)} | ${kb(total)} | ${((100 * total) / original).toFixed(0)} % |`);
  };
  row('original (before)', totals.original, 0);
  row('HD (default)', totals.hd, totals.posters);
  row('small (data saver)', totals.small, totals.posters);
  row('audio only', totals.audio, totals.posters);
} finally {
  await db.destroy();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
