import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createDatabase, observeQueries, type Database } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { enrollFree } from '../src/features/enrollments/service.ts';
import { newKey } from '../src/storage/index.ts';
import { STREAK_ACTIVITY } from '../src/features/learning/badges.ts';
import { notify } from '../src/features/notifications/notify.ts';
import { SESSION_COOKIE, SESSION_MAX_AGE_MS } from '../src/http/session.ts';
import { seedDemo } from '../seeds/demo.ts';
import { analyzeLarge, LargeSeedRefused, seedLarge } from '../seeds/large.ts';
import { freePort } from '../src/lib/free-port.ts';

/**
 * `npm run bench`: the app in production mode against the physical limit of its stack.
 *
 * A private PostgreSQL (embedded, in a temp dir; or BENCH_DATABASE_URL), migrated, with the demo
 * data; the app as `npm start` runs it (NODE_ENV=production) and bench/bare.ts (Express 5 + pg,
 * `select 1`, a pool of the same size), each a child process; autocannon (bench/load.mjs), a third process, loads
 * one target at a time on loopback. Once at demo size, then again after seeds/large.ts.
 * Results: printed, and written to bench/results/ (Markdown and JSON, and latest.md).
 *
 * Environment: BENCH_DURATION (seconds per target, 8), BENCH_CONNECTIONS (16), BENCH_WARMUP
 * (seconds of unmeasured load first, 2), BENCH_ONLY (target names, comma-separated), BENCH_SIZES
 * (`demo,large`), LARGE_SCALE (1), BENCH_NODE_OPTIONS (extra node flags for the app, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_APP_ENV (extra app variables, `A=1,B=2`),
 * BENCH_NOTE (a line for the report), BENCH_NO_WRITE (print only).
 *
 * The admin pages (issue 17) and the support pages (issue 18) also get their weight and query
 * count, read once per size from the same app built in this process (Kysely's query observer sees
 * every statement it runs). The analytics pages (issue 19) are chosen again at each size
 * (analyticsPages): the course with the most enrollments as its teacher sees it at 90 days and all
 * time, the admin's at 90 days and 12 months, the dashboard of the student with the most learning
 * in the last 12 weeks, and /leaderboard signed in as them; weight, query count and the time of the
 * one request too, then loaded like the rest. Issue 20: a lesson with a Ready video and two caption
 * tracks (videoLesson), weighed and counted the same way.
 *
 * The app's rate limits cover sign-in, registration and resets only (src/http/rate-limit.ts); the
 * bench never signs in through the form (its session is written as the app would write it), so
 * none of them is in its way and none is switched off.
 */

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const SIZES = (process.env.BENCH_SIZES ?? 'demo,large').split(',');
const ONLY = process.env.BENCH_ONLY?.split(',');
const ROOT = path.resolve(import.meta.dirname, '..');

interface Target {
  name: string;
  label: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Each connection its own headers and body (its own signed-in student), in turn. */
  perConnection?: Array<{ headers: Record<string, string>; body?: string }>;
}

export interface Result {
  name: string;
  label: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  statuses: Record<string, number>;
}


const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function startChild(args: string[], env: Record<string, string>, name: string): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
  child.once('exit', (code, signal) => {
    children.delete(child);
    if (code !== 0 && signal !== 'SIGTERM') console.error(`${name} exited (${code ?? signal}): ${tail}`);
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/**
 * A signed-in session of a user, as startDeviceSession would leave one: a device row, a cookie
 * session, the signed cookie.
 */
async function sessionCookie(db: Database, secret: string, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_MAX_AGE_MS);
  await db.insertInto('session').values({ token, userId, expiresAt, ipAddress: '127.0.0.1', userAgent: 'autocannon' }).execute();
  const sid = randomBytes(24).toString('base64url');
  const cookie = { originalMaxAge: SESSION_MAX_AGE_MS, expires: expiresAt.toISOString(), secure: true, httpOnly: true, path: '/', sameSite: 'lax' };
  await db.insertInto('httpSession').values({ sid, sess: JSON.stringify({ cookie, deviceToken: token }), expire: expiresAt }).execute();
  const signature = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

/**
 * Signed-in students of the free demo course, one per connection (a page or a completion of one's
 * own, as real traffic is; sixteen connections of one student would queue on that student's rows),
 * and a session of the course's teacher (the gradebook). Also the course's first lesson and the
 * lesson of its quiz (seeds/demo.ts).
 */
async function benchStudents(db: Database, secret: string, count: number) {
  const course = await db.selectFrom('course').select(['id', 'slug', 'userId']).where('slug', '=', 'web-basics-on-any-connection').executeTakeFirstOrThrow();
  const lesson = await db
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .select('l.id')
    .where('ch.courseId', '=', course.id)
    .orderBy('ch.position')
    .orderBy('l.position')
    .executeTakeFirstOrThrow();
  const quizLesson = await db
    .selectFrom('quiz as q')
    .innerJoin('lesson as l', 'l.id', 'q.lessonId')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .select('l.id')
    .where('ch.courseId', '=', course.id)
    .executeTakeFirstOrThrow();
  const cookies: string[] = [];
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) {
    const email = `bench-student-${i}@bench.edupeak.test`;
    const user =
      (await db.selectFrom('user').select(['id']).where('email', '=', email).executeTakeFirst()) ??
      (await db.insertInto('user').values({ firstName: 'Bench', lastName: `Student ${i}`, email, emailVerified: true, role: 'student' }).returning('id').executeTakeFirstOrThrow());
    await enrollFree(db, { actorId: user.id, ipAddress: null, userAgent: null }, { userId: user.id, courseId: course.id });
    // An inbox like a real one for /notifications: 40 notices (two pages of 30), the newest 5 unread; never mailed.
    if (!(await db.selectFrom('notification').select('id').where('userId', '=', user.id).executeTakeFirst())) {
      await notify(
        db,
        Array.from({ length: 40 }, (_, n) => ({ userId: user.id, type: 'PointsEarned' as const, title: `Points for quiz ${n + 1}`, message: 'For a quiz in Web Basics.', link: '/dashboard', mail: 'never' as const })),
      );
      const unread = Array.from({ length: 5 }, (_, n) => `Points for quiz ${n + 1}`);
      await db.updateTable('notification').set({ read: true }).where('userId', '=', user.id).where('title', 'not in', unread).execute();
    }
    cookies.push(await sessionCookie(db, secret, user.id));
    ids.push(user.id);
  }
  const teacherCookie = await sessionCookie(db, secret, course.userId);
  // The writers' pages (issue 16): the demo's admin; the demo's urgent announcement to everyone
  // (its figures and who has not read it) and the course's welcome (the reader's page).
  const admin = await db.selectFrom('user').select('id').where('email', '=', 'admin@example.com').executeTakeFirstOrThrow();
  const adminCookie = await sessionCookie(db, secret, admin.id);
  const urgent = await db.selectFrom('announcement').select('id').where('targetRole', '=', 'AllUsers').where('isUrgent', '=', true).where('status', '=', 'Published').executeTakeFirstOrThrow();
  const welcome = await db.selectFrom('announcement').select('id').where('targetCourseId', '=', course.id).where('status', '=', 'Published').executeTakeFirstOrThrow();
  const callId = await supportRows(db, ids, course.id, course.userId, admin.id);
  return {
    cookies,
    teacherCookie,
    callId,
    adminCookie,
    slug: course.slug,
    courseId: course.id,
    lessonId: lesson.id,
    quizLessonId: quizLesson.id,
    urgentAnnouncementId: urgent.id,
    courseAnnouncementId: welcome.id,
  };
}

/**
 * Issue 18's rows for the bench students: each has a help request waiting, one in conversation with
 * the demo admin (four turns) and one resolved, so `/help` lists three and `/admin/help` has the
 * demo's open requests and theirs. A live call on the course hosted by its teacher: the first
 * student in the meeting (Accepted), the others waiting at places 1..count-1, so each connection's
 * student sees their own place (or, for the first, the meeting link) on the call's page.
 */
async function supportRows(db: Database, studentIds: string[], courseId: string, teacherId: string, adminId: string): Promise<string> {
  const hour = 3_600_000;
  const ago = (h: number) => new Date(Date.now() - h * hour);
  for (const [i, userId] of studentIds.entries()) {
    if (await db.selectFrom('helpRequest').select('id').where('userId', '=', userId).executeTakeFirst()) continue;
    const threads: Array<{ subject: string; status: 'Pending' | 'InProgress' | 'Resolved'; turns: Array<['user' | 'admin', string]> }> = [
      { subject: `The quiz of lesson ${i + 2} does not save my answers`, status: 'Pending', turns: [['user', 'I answer every question, press Submit and the page comes back empty.']] },
      {
        subject: 'The lesson video stops after a minute on 3G',
        status: 'InProgress',
        turns: [
          ['user', 'On my phone the video stops after about a minute.'],
          ['admin', 'Which phone and browser? The text under the video loads on any connection.'],
          ['user', 'An Android phone with Chrome. The text works, thank you.'],
          ['admin', 'We found it and a fix goes out tonight: try again tomorrow.'],
        ],
      },
      { subject: 'Can I read the lessons offline?', status: 'Resolved', turns: [['user', 'I want to read on the bus.'], ['admin', 'Yes: each lesson prints to a PDF from the browser menu.']] },
    ];
    for (const [k, t] of threads.entries()) {
      const start = 24 * (k + 1);
      const answered = t.turns.some(([side]) => side === 'admin');
      const request = await db
        .insertInto('helpRequest')
        .values({ userId, userType: 'Student', subject: t.subject, message: t.turns[0]![1], status: t.status, assignedAdminId: answered ? adminId : null, createdAt: ago(start), updatedAt: ago(start - t.turns.length) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('helpRequestMessage')
        .values(t.turns.map(([side, body], n) => ({ helpRequestId: request.id, authorId: side === 'user' ? userId : adminId, authorRole: side, body, createdAt: ago(start - n) })))
        .execute();
    }
  }
  const live = await db.selectFrom('supportCall').select('id').where('courseId', '=', courseId).where('status', '=', 'Active').executeTakeFirst();
  if (live) return live.id;
  const room = `edupeak-bench-${randomBytes(9).toString('base64url')}`;
  const call = await db
    .insertInto('supportCall')
    .values({ courseId, createdBy: teacherId, title: 'Office hours', description: 'Bring your questions about the lessons.', status: 'Active', streamCallId: room, meetingUrl: `https://meet.example.org/${room}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('supportCallRequest')
    .values(
      studentIds.map((userId, i) =>
        i === 0
          ? { supportCallId: call.id, userId, supportType: 'Assignment help', status: 'Accepted' as const, position: 1, joinedAt: new Date() }
          : { supportCallId: call.id, userId, supportType: 'Question about a lesson', status: 'Pending' as const, position: i },
      ),
    )
    .execute();
  return call.id;
}

/**
 * Issue 20: a lesson of the bench course with a Ready video (small, HD, audio only and a poster,
 * with the sizes a 10-minute lesson has) and two caption tracks with a transcript, as its students
 * see it: the player, the copies' links and sizes, the <track>s and the transcript. The rows are
 * written as the transcode worker would leave them, on a video key of its own (no file: the page
 * only names the copies; the transcode queue has nothing to do for it).
 */
async function videoLesson(db: Database, courseId: string, skip: string[]): Promise<string> {
  const lesson = await db
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .select('l.id')
    .where('ch.courseId', '=', courseId)
    .where('l.status', '=', 'Published')
    .where('ch.status', '=', 'Published')
    .where('l.id', 'not in', skip)
    .where((eb) => eb.or([eb('l.releaseAt', 'is', null), eb('l.releaseAt', '<=', new Date())]))
    .where((eb) => eb.or([eb('ch.releaseAt', 'is', null), eb('ch.releaseAt', '<=', new Date())]))
    .orderBy('ch.position')
    .orderBy('l.position')
    .executeTakeFirstOrThrow();
  const ready = await db.selectFrom('videoTranscode').select('videoKey').where('lessonId', '=', lesson.id).where('status', '=', 'Ready').executeTakeFirst();
  if (!ready) {
    const videoKey = newKey('videos', 'mp4');
    const MB = 1_000_000;
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('lesson').set({ videoKey }).where('id', '=', lesson.id).execute();
      await trx
        .insertInto('videoTranscode')
        .values({ videoKey, lessonId: lesson.id, status: 'Ready', attempts: 1, sourceBytes: String(412 * MB), durationSeconds: '600', sourceWidth: 1920, sourceHeight: 1080, startedAt: new Date(), finishedAt: new Date() })
        .execute();
      await trx
        .insertInto('videoRendition')
        .values([
          { videoKey, kind: 'audio', bytes: String(4 * MB), codec: 'aac', bitrateKbps: 48 },
          { videoKey, kind: 'small', bytes: String(26 * MB), codec: 'h264', width: 640, height: 360, bitrateKbps: 350 },
          { videoKey, kind: 'hd', bytes: String(110 * MB), codec: 'h264', width: 1280, height: 720, bitrateKbps: 1500 },
          { videoKey, kind: 'poster', bytes: '24000', codec: 'webp', width: 640, height: 360 },
        ])
        .execute();
    });
  }
  if (!(await db.selectFrom('lessonCaption').select('id').where('lessonId', '=', lesson.id).executeTakeFirst())) {
    // Ten minutes of speech: a cue every 4 s, a paragraph every 30 s (what captions.ts makes of it).
    const cues = Array.from({ length: 150 }, (_, i) => `A sentence of the lesson, number ${i + 1}, about tags and the page they make.`);
    const at = (s: number) => `00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`;
    const vtt = `WEBVTT\n\n${cues.map((c, i) => `${at(i * 4)} --> ${at(i * 4 + 4)}\n${c}`).join('\n\n')}\n`;
    const transcript = Array.from({ length: 20 }, (_, p) => cues.slice(Math.floor(p * 7.5), Math.floor((p + 1) * 7.5)).join(' ')).join('\n\n');
    await db
      .insertInto('lessonCaption')
      .values([
        { lessonId: lesson.id, language: 'en', label: 'English', vtt, transcript },
        { lessonId: lesson.id, language: 'es', label: 'Español', vtt, transcript },
      ])
      .execute();
  }
  return lesson.id;
}

interface MeasuredPage {
  name: string;
  label: string;
  path: string;
  shown?: string;
  marker: string;
  cookie: string;
}

/**
 * Issue 19's pages at the data set's current size, chosen afresh after each seed: the course with
 * the most enrollments (at the large size one of the large courses) as its own teacher sees its
 * analytics at 90 days (the default) and all time; the admin's analytics at 90 days and 12 months;
 * the dashboard (streak, calendar, points) of the student with the most learning in the calendar's
 * 12 weeks, and /leaderboard as that student (their own place beside this week's top 20).
 */
async function analyticsPages(db: Database, secret: string, adminCookie: string): Promise<MeasuredPage[]> {
  const busiest = await db
    .selectFrom('enrollment as e')
    .innerJoin('course as c', 'c.id', 'e.courseId')
    .select(['c.id', 'c.userId', 'c.title', (eb) => eb.fn.countAll<string>().as('enrollments')])
    .groupBy(['c.id', 'c.userId', 'c.title'])
    .orderBy('enrollments', 'desc')
    .orderBy('c.id')
    .limit(1)
    .executeTakeFirstOrThrow();
  const { rows } = await sql<{ userId: string; days: number }>`
    select e.user_id as "userId", count(distinct (a.created_at at time zone 'UTC')::date)::int as days
    from student_activity a join enrollment e on e.id = a.enrollment_id
    where a.created_at > now() - interval '84 days' and a.type in (${sql.join(STREAK_ACTIVITY.map((t) => sql.lit(t)))})
    group by e.user_id order by days desc, e.user_id limit 1`.execute(db);
  const active = rows[0]!;
  const teacherCookie = await sessionCookie(db, secret, busiest.userId);
  const studentCookie = await sessionCookie(db, secret, active.userId);
  const course = `/teach/courses/${busiest.id}/analytics`;
  const about = `${fmt(Number(busiest.enrollments))} enrollments`;
  // The heaviest last: a page whose requests outlast their run keeps the database busy a while.
  return [
    { name: 'activeDashboard', label: `dashboard of the most active student (${active.days} days of learning in 12 weeks)`, path: '/dashboard', shown: `/dashboard (${active.days} learning days)`, marker: 'id="activity-calendar"', cookie: studentCookie },
    { name: 'leaderboard', label: '`/leaderboard`, signed in as that student', path: '/leaderboard', marker: '<h1>Leaderboard</h1>', cookie: studentCookie },
    { name: 'courseAnalytics90d', label: `teacher's course analytics, 90 days (the busiest course: ${about})`, path: course, shown: `${course.replace(busiest.id, ':courseId')} (${about})`, marker: 'Completion by lesson', cookie: teacherCookie },
    { name: 'courseAnalyticsAll', label: `teacher's course analytics, all time (${about})`, path: `${course}?range=all`, shown: `${course.replace(busiest.id, ':courseId')}?range=all`, marker: 'Enrollments per month', cookie: teacherCookie },
    { name: 'adminAnalytics90d', label: "admin's `/admin/analytics`, 90 days", path: '/admin/analytics', marker: 'Active users', cookie: adminCookie },
    { name: 'adminAnalytics12m', label: "admin's `/admin/analytics?range=12m`", path: '/admin/analytics?range=12m', marker: 'Top courses by net revenue', cookie: adminCookie },
  ].filter((p) => !ONLY || ONLY.includes(p.name));
}

async function csrfToken(base: string, cookie: string): Promise<string> {
  const page = await fetch(`${base}/dashboard`, { headers: { cookie } });
  const html = await page.text();
  if (page.status !== 200 || !html.includes('Signed in as')) throw new Error(`the bench session is not signed in (GET /dashboard: ${page.status})`);
  const token = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on /dashboard');
  return token;
}

/** A signed-in target shows what it is named after (not a refusal or a redirect to sign in). */
async function expectPage(url: string, cookie: string, marker: string): Promise<void> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const html = await res.text();
  if (res.status !== 200 || !html.includes(marker)) throw new Error(`GET ${url}: ${res.status}, ${html.includes(marker) ? 'with' : 'without'} ${marker}`);
}

/**
 * What one request of each page costs, measured once (after a warm-up request) on an app built in
 * this process over the same database: the HTML gzipped as the page budget counts it (level 6) and
 * the SQL statements it ran (the session store's own, outside Kysely, not included; as in the tests).
 */
async function pageFacts(db: Database, env: Record<string, string>, pages: Array<{ name: string; path: string; cookie: string; shown?: string }>) {
  const app = createApp({ config: loadConfig({ ...env, LOG_LEVEL: 'silent' }), db, logger: pino({ level: 'silent' }) });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const facts: Array<{ name: string; path: string; shown?: string; bytes: number; queries: number; ms: number }> = [];
  try {
    for (const { cookie, ...page } of pages) {
      await fetch(base + page.path, { headers: { cookie } }).then((r) => r.text());
      let queries = 0;
      const stop = observeQueries(db, () => queries++);
      const t0 = performance.now();
      const res = await fetch(base + page.path, { headers: { cookie } });
      const html = await res.text();
      const ms = Math.round(performance.now() - t0);
      stop();
      if (res.status !== 200) throw new Error(`GET ${page.path} (in process): ${res.status}`);
      facts.push({ ...page, bytes: gzipSync(html, { level: 6 }).length, queries, ms });
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return facts;
}

function autocannon(target: Target, duration: number): Promise<any> {
  const options = { url: target.url, method: target.method ?? 'GET', headers: target.headers, body: target.body, connections: CONNECTIONS, duration, perConnection: target.perConnection };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/load.mjs'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`autocannon failed (${code}) on ${target.url}`));
      }
    });
  });
}

/**
 * Waits (up to 60 s) until no other statement runs in the bench database: requests the load tool
 * gave up on go on in PostgreSQL, and would be counted against the next target otherwise.
 */
async function settle(db: Database): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and backend_type = 'client backend' and state = 'active' and pid <> pg_backend_pid()`.execute(db);
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function measure(target: Target, db: Database): Promise<Result> {
  await settle(db);
  if (WARMUP > 0) await autocannon(target, WARMUP);
  const r = await autocannon(target, DURATION);
  const statuses: Record<string, number> = {};
  let failed = 0;
  for (const [status, { count }] of Object.entries(r.statusCodeStats ?? {}) as Array<[string, { count: number }]>) {
    statuses[status] = count;
    if (Number(status) >= 400) failed += count;
  }
  return {
    name: target.name,
    label: target.label,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: failed + r.errors + r.timeouts,
    statuses,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function table(results: Result[], compare?: Result[]): string {
  const bare = results.find((r) => r.name === 'bare')?.rps;
  const lines = [
    `| target | req/s | p50 | p99 | errors | vs bare${compare ? ' | p50 vs demo' : ''} |`,
    `|---|---:|---:|---:|---:|---:|${compare ? '---:|' : ''}`,
  ];
  for (const r of results) {
    const before = compare?.find((c) => c.name === r.name);
    const growth = before ? (before.p50 > 0 ? `${(r.p50 / before.p50).toFixed(2)}×` : '–') : '';
    lines.push(`| ${r.label} | ${fmt(r.rps)} | ${r.p50} ms | ${r.p99} ms | ${r.errors} | ${bare ? (r.rps / bare).toFixed(2) : '–'}${compare ? ` | ${growth}` : ''} |`);
  }
  return lines.join('\n');
}

async function main() {
  const started = new Date();
  const work = mkdtempSync(path.join(os.tmpdir(), 'edupeak-bench-'));
  let stopDatabase = async () => {};
  let url: string;
  if (process.env.BENCH_DATABASE_URL) {
    url = process.env.BENCH_DATABASE_URL;
  } else {
    const server = await startEmbeddedPostgres({
      directory: path.join(work, 'postgres'),
      port: await freePort(),
      database: 'edupeak_bench',
      runtimeDir: process.env.EMBEDDED_PG_RUNTIME_DIR || undefined,
    });
    url = server.url;
    stopDatabase = server.stop;
  }
  const db = createDatabase({ connectionString: url, max: 4 });
  const apps: ChildProcess[] = [];
  try {
    console.log('migrating and seeding the demo data ...');
    await migrateToLatest(db);
    await seedDemo(db, { env: 'development' });
    const secret = randomBytes(32).toString('base64url');
    const students = await benchStudents(db, secret, CONNECTIONS);

    const appPort = await freePort();
    const barePort = await freePort();
    const base = `http://127.0.0.1:${appPort}`;
    const extraEnv = Object.fromEntries((process.env.BENCH_APP_ENV ?? '').split(',').filter(Boolean).map((kv) => kv.split('=', 2) as [string, string]));
    // VIDEO_WORKERS=0: the demo seed queues its videos' transcodes, and ffmpeg running beside the
    // load would skew every figure; the bench measures pages, not transcoding.
    const appEnv = { NODE_ENV: 'production', PORT: String(appPort), BASE_URL: base, DATABASE_URL: url, SESSION_SECRET: secret, DATA_DIR: path.join(work, 'data'), VIDEO_WORKERS: '0', ...extraEnv };
    const nodeFlags = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
    const appArgs = process.env.BENCH_APP_ENTRY ? [...nodeFlags, process.env.BENCH_APP_ENTRY] : [...nodeFlags, '--import', 'tsx', 'src/server.ts'];
    apps.push(
      startChild(
        appArgs,
        appEnv,
        'app',
      ),
    );
    apps.push(startChild(['--import', 'tsx', 'bench/bare.ts'], { PORT: String(barePort), DATABASE_URL: url }, 'bare'));
    await Promise.all([waitFor(`${base}/healthz`), waitFor(`http://127.0.0.1:${barePort}/`)]);
    const sessions = await Promise.all(students.cookies.map(async (cookie) => ({ cookie, csrf: await csrfToken(base, cookie) })));
    // What a browser sends: pages are compressed as they would be for a person (autocannon alone asks for no encoding).
    const browser = { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br, zstd' };
    const signedIn = sessions.map(({ cookie }) => ({ headers: { cookie } }));
    const lessonPath = `${base}/learn/${students.slug}/lessons/${students.lessonId}`;
    // The teacher's own page: one teacher on every connection, as a teacher's clicks would be.
    const teacher = { ...browser, cookie: students.teacherCookie };
    const quizPath = `${base}/learn/${students.slug}/lessons/${students.quizLessonId}`;
    const gradebookPath = `${base}/teach/courses/${students.courseId}/gradebook`;
    await expectPage(quizPath, students.cookies[0]!, '<section id="quiz"');
    await expectPage(gradebookPath, students.teacherCookie, '<h1>Gradebook</h1>');
    // A demo post with comments and reactions, as a signed-in reader sees it (the discussion's forms, htmx).
    const postPath = `${base}/blog/learning-on-a-slow-connection`;
    await expectPage(postPath, students.cookies[0]!, 'id="comments"');
    // Issue 16: the course's announcement as its students read it (the first read marks it read; later
    // ones find it read), and the admin's pages, one admin on every connection.
    const announcementPath = `${base}/announcements/${students.courseAnnouncementId}`;
    const admin = { ...browser, cookie: students.adminCookie };
    const adminAnnouncementPath = `${base}/admin/announcements/${students.urgentAnnouncementId}`;
    await expectPage(`${base}/notifications`, students.cookies[0]!, '<span id="unread-count"');
    await expectPage(announcementPath, students.cookies[0]!, 'id="announcement-title"');
    await expectPage(adminAnnouncementPath, students.adminCookie, 'id="unread-title"');
    // Issue 17: the administration pages as the demo admin (the default workspace's SuperAdmin) sees
    // them, the demo's banned user, audit rows, sign-ins, errors, searches, settings and workspaces.
    const adminPages = [
      { name: 'adminHome', label: "admin's `/admin` (what needs attention)", path: '/admin', marker: 'Needs attention' },
      { name: 'adminUsers', label: "admin's `/admin/users`", path: '/admin/users', marker: '<caption class="sr-only">Users</caption>' },
      { name: 'adminActivity', label: "admin's `/admin/activity`", path: '/admin/activity', marker: 'Activity, newest first' },
      { name: 'adminErrors', label: "admin's `/admin/errors`", path: '/admin/errors', marker: 'Errors, latest first' },
      { name: 'adminSearch', label: "admin's `/admin/search` (last 7 days)", path: '/admin/search', marker: 'Queries that found nothing' },
      { name: 'adminSettings', label: "admin's `/admin/settings`", path: '/admin/settings', marker: '<h1>Settings</h1>' },
      { name: 'adminWorkspaces', label: "admin's `/admin/workspaces`", path: '/admin/workspaces', marker: '<caption class="sr-only">Workspaces</caption>' },
    ].filter((p) => !ONLY || ONLY.includes(p.name));
    for (const page of adminPages) await expectPage(base + page.path, students.adminCookie, page.marker);
    // Issue 18: a student's /help (three requests), the admin's queue, and the course's live call as
    // its teacher hosts it and as a waiting student sees it (their place; the page polls its status
    // fragment every 10 s, the load a queue of waiting students makes).
    const callPath = `/learn/${students.slug}/support-calls/${students.callId}`;
    const supportPages = [
      { name: 'help', label: "a student's `/help` (3 requests), signed in", path: '/help', marker: '<caption class="sr-only">Your help requests', cookie: students.cookies[1]!, each: true },
      { name: 'adminHelp', label: "admin's `/admin/help` (open requests, oldest first)", path: '/admin/help', marker: '<caption class="sr-only">Help requests</caption>', cookie: students.adminCookie, each: false },
      { name: 'hostCall', label: `teacher's live call page (1 in the call, ${CONNECTIONS - 1} waiting)`, path: `/teach/courses/${students.courseId}/support-calls/${students.callId}`, shown: '/teach/courses/:courseId/support-calls/:callId', marker: 'id="queue"', cookie: students.teacherCookie, each: false },
      { name: 'studentCall', label: `a student's live call page, signed in (each connection its own student: ${CONNECTIONS - 1} waiting, 1 accepted)`, path: callPath, shown: `/learn/${students.slug}/support-calls/:callId (number 1)`, marker: 'You are number', cookie: students.cookies[1]!, each: true },
      { name: 'callPoll', label: "the live call's status fragment (htmx poll), signed in", path: `${callPath}/status`, shown: `/learn/${students.slug}/support-calls/:callId/status`, marker: 'id="call-status"', cookie: students.cookies[1]!, each: true },
    ].filter((p) => !ONLY || ONLY.includes(p.name));
    for (const page of supportPages) await expectPage(base + page.path, page.cookie, page.marker);
    // Issue 20: the lesson page with a Ready video and two caption tracks, as a student of the course.
    const videoLessonId = await videoLesson(db, students.courseId, [students.lessonId, students.quizLessonId]);
    const videoLessonPath = `/learn/${students.slug}/lessons/${videoLessonId}`;
    const videoPages = [
      { name: 'videoLesson', label: 'lesson page with a Ready video (3 copies, poster) and 2 caption tracks with a transcript, signed in', path: videoLessonPath, shown: `/learn/${students.slug}/lessons/:lessonId (Ready video, 2 captions)`, marker: '<track kind="captions"', cookie: students.cookies[2]! },
    ].filter((p) => !ONLY || ONLY.includes(p.name));
    for (const page of videoPages) await expectPage(base + page.path, page.cookie, page.marker);
    // Issue 22: a student's sign-in methods, the page about their data, and the account deletion page.
    const accountPages = [
      { name: 'signInMethods', label: "a student's `/account/sign-in-methods`, signed in", path: '/account/sign-in-methods', marker: '<h1>Sign-in methods</h1>', cookie: students.cookies[1]! },
      { name: 'deleteAccount', label: "a student's `/account/delete` (what happens, the password form), signed in", path: '/account/delete', marker: 'name="password"', cookie: students.cookies[1]! },
      { name: 'yourData', label: "a student's `/account/data` (what the download holds, with counts), signed in", path: '/account/data', marker: '<h1>Your data</h1>', cookie: students.cookies[1]! },
    ].filter((p) => !ONLY || ONLY.includes(p.name));
    for (const page of accountPages) await expectPage(base + page.path, page.cookie, page.marker);
    const measured = [...adminPages.map((p) => ({ ...p, cookie: students.adminCookie })), ...supportPages, ...videoPages, ...accountPages];

    const targets: Target[] = [
      { name: 'bare', label: 'bare Express 5 + pg `select 1` (median of 3)', url: `http://127.0.0.1:${barePort}/`, headers: browser },
      { name: 'healthz', label: '`/healthz`', url: `${base}/healthz`, headers: browser },
      { name: 'home', label: '`/`', url: `${base}/`, headers: browser },
      { name: 'catalog', label: '`/courses`', url: `${base}/courses`, headers: browser },
      { name: 'search', label: '`/courses?q=python`', url: `${base}/courses?q=python`, headers: browser },
      { name: 'course', label: 'course page', url: `${base}/courses/data-analysis-with-python`, headers: browser },
      { name: 'lesson', label: 'lesson page, signed in', url: lessonPath, headers: browser, perConnection: signedIn },
      { name: 'quiz', label: 'lesson page with its quiz, signed in', url: quizPath, headers: browser, perConnection: signedIn },
      ...videoPages.map((p) => ({ name: p.name, label: p.label, url: base + p.path, headers: browser, perConnection: signedIn })),
      ...accountPages.map((p) => ({ name: p.name, label: p.label, url: base + p.path, headers: browser, perConnection: signedIn })),
      { name: 'dashboard', label: 'dashboard, signed in', url: `${base}/dashboard`, headers: browser, perConnection: signedIn },
      { name: 'gradebook', label: "teacher's gradebook", url: gradebookPath, headers: teacher },
      { name: 'blog', label: '`/blog`', url: `${base}/blog`, headers: browser },
      { name: 'post', label: 'blog post with its discussion, signed in', url: postPath, headers: browser, perConnection: signedIn },
      { name: 'notifications', label: '`/notifications` (40 notices, 5 unread), signed in', url: `${base}/notifications`, headers: browser, perConnection: signedIn },
      { name: 'announcements', label: '`/announcements`, signed in', url: `${base}/announcements`, headers: browser, perConnection: signedIn },
      { name: 'announcement', label: 'a course announcement, signed in', url: announcementPath, headers: browser, perConnection: signedIn },
      { name: 'adminAnnouncements', label: "admin's `/admin/announcements`", url: `${base}/admin/announcements`, headers: admin },
      { name: 'adminAnnouncement', label: "admin's announcement figures and not-read list (to everyone)", url: adminAnnouncementPath, headers: admin },
      ...adminPages.map((p) => ({ name: p.name, label: p.label, url: base + p.path, headers: admin })),
      // Each connection its own student where the page is a student's; the poll as htmx sends it.
      ...supportPages.map((p) => ({
        name: p.name,
        label: p.label,
        url: base + p.path,
        headers: { ...browser, ...(p.name === 'callPoll' ? { 'hx-request': 'true' } : {}), ...(p.each ? {} : { cookie: p.cookie }) },
        ...(p.each ? { perConnection: signedIn } : {}),
      })),
      {
        name: 'complete',
        label: 'lesson completion POST (htmx)',
        url: `${lessonPath}/complete`,
        method: 'POST',
        headers: { ...browser, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
        // Each student toggles the lesson in their own enrollment: done, not done, done ...
        perConnection: sessions.map(({ cookie, csrf }) => ({ headers: { cookie, 'x-csrf-token': csrf }, body: `_csrf=${encodeURIComponent(csrf)}` })),
      },
    ].filter((t) => !ONLY || ONLY.includes(t.name) || t.name === 'bare') as Target[];

    const runs: Record<string, Result[]> = {};
    const bareRuns: Record<string, Result[]> = {};
    const loads: Record<string, string> = {};
    const facts: Record<string, Awaited<ReturnType<typeof pageFacts>>> = {};
    for (const size of SIZES) {
      if (size === 'large') {
        const scale = Number(process.env.LARGE_SCALE ?? 1);
        console.log(`seeding the large data set (scale ${scale}) ...`);
        const t0 = Date.now();
        try {
          const counts = await seedLarge(db, { env: 'development', scale });
          console.log(`  ${Object.entries(counts).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        } catch (error) {
          if (!(error instanceof LargeSeedRefused)) throw error;
          console.log(`  ${error.message}`);
        }
        await analyzeLarge(db);
      }
      // Issue 19: chosen at this size (the busiest course and the most active student differ after the large seed).
      const analytics = await analyticsPages(db, secret, students.adminCookie);
      for (const page of analytics) await expectPage(base + page.path, page.cookie, page.marker);
      const sizeMeasured = [...measured, ...analytics];
      if (sizeMeasured.length > 0) {
        facts[size] = await pageFacts(db, appEnv, sizeMeasured);
        for (const f of facts[size]) console.log(`  ${f.shown ?? f.path}: ${fmt(f.bytes)} bytes gzipped, ${f.queries} queries, ${f.ms} ms`);
      }
      const analyticsTargets: Target[] = analytics.map((p) => ({ name: p.name, label: p.label, url: base + p.path, headers: { ...browser, cookie: p.cookie } }));
      loads[size] = os.loadavg().map((l) => l.toFixed(2)).join(', ');
      console.log(`\n${size} size (load average ${loads[size]}):`);
      const results: Result[] = [];
      const show = (result: Result) =>
        console.log(`  ${result.name.padEnd(10)} ${fmt(result.rps).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  errors ${result.errors}  ${JSON.stringify(result.statuses)}`);
      // The machine is shared: the limit is measured at the start, the middle and the end, and its
      // median is the one every page is compared with.
      const [bareTarget, ...fixed] = targets as [Target, ...Target[]];
      const pages = [...fixed, ...analyticsTargets];
      const bares: Result[] = [];
      const measureBare = async () => {
        const result = await measure(bareTarget, db);
        bares.push(result);
        show(result);
      };
      await measureBare();
      for (const [i, target] of pages.entries()) {
        if (i === Math.floor(pages.length / 2)) await measureBare();
        const result = await measure(target, db);
        results.push(result);
        show(result);
      }
      await measureBare();
      const median = [...bares].sort((a, b) => a.rps - b.rps)[1]!;
      bareRuns[size] = bares;
      runs[size] = [median, ...results];
    }

    const counts = await sql<{ table: string; n: number }>`
      select relname as table, n_live_tup::int as n from pg_stat_user_tables
      where relname in ('user', 'course', 'lesson', 'enrollment', 'lesson_progress', 'payment_transaction') order by relname`.execute(db);
    const cores = os.availableParallelism();
    const heading = [
      `# Benchmark ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `${os.cpus()[0]?.model ?? 'CPU'}, ${cores} cores, Node ${process.version}; ${CONNECTIONS} connections, ${DURATION} s per target after ${WARMUP} s of warm-up; autocannon in its own process on loopback.`,
      `The app runs as \`npm start\` does, with NODE_ENV=production${process.env.BENCH_NODE_OPTIONS ? ` and \`${process.env.BENCH_NODE_OPTIONS}\`` : ''}${process.env.BENCH_APP_ENV ? `, ${process.env.BENCH_APP_ENV}` : ''}; PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'from BENCH_DATABASE_URL' : 'embedded, default settings'}, same machine.`,
      `Load average when each size started: ${Object.entries(loads).map(([size, l]) => `${size} ${l}`).join('; ')} (a shared machine: figures are noisy).`,
      process.env.BENCH_NOTE ? `\n${process.env.BENCH_NOTE}` : '',
    ].join('\n');
    const factLines = (size: string) =>
      facts[size]?.length
        ? `\n\nAdmin, support, analytics and video lesson pages, one request each: ${facts[size]!.map((f) => `\`${f.shown ?? f.path}\` ${fmt(f.bytes)} bytes gzipped, ${f.queries} queries, ${f.ms} ms`).join('; ')}.`
        : '';
    const sections = Object.entries(runs).map(([size, results]) => `## ${size === 'demo' ? 'Demo' : 'Large'} size\n\n${table(results, size === 'demo' ? undefined : runs.demo)}${factLines(size)}`);
    const bareLine = `Bare route, three times per size (req/s): ${Object.entries(bareRuns).map(([size, b]) => `${size} ${b.map((r) => fmt(r.rps)).join(', ')}`).join('; ')}.`;
    const markdown = `${heading}\n\n${sections.join('\n\n')}\n\n${bareLine}\n\nRows at the end: ${counts.rows.map((r) => `${r.table} ${fmt(r.n)}`).join(', ')}.\n`;
    console.log('\n' + markdown);

    if (!process.env.BENCH_NO_WRITE) {
      const dir = path.join(ROOT, 'bench/results');
      mkdirSync(dir, { recursive: true });
      const stamp = `${started.toISOString().slice(0, 16).replace(/[T:]/g, '-')}-${cores}core`;
      writeFileSync(path.join(dir, `${stamp}.md`), markdown);
      writeFileSync(path.join(dir, `${stamp}.json`), JSON.stringify({ started, cores, connections: CONNECTIONS, duration: DURATION, loads, runs, bareRuns }, null, 2) + '\n');
      writeFileSync(path.join(dir, 'latest.md'), markdown);
      console.log(`written: bench/results/${stamp}.md, .json and latest.md`);
    }
  } finally {
    await Promise.all(apps.map(stopChild));
    await db.destroy();
    await stopDatabase();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
// pg keeps nothing open now; be sure the process ends.
void pg;
process.exit(0);
