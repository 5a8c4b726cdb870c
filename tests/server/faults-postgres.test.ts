import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/db/embedded.ts';
import { completed, pendingPayment, signedEvent, WEBHOOK_SECRET, type Payment } from '../payments/harness.ts';
import { createChapter, createCourse, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { freePort } from '../setup/postgres.ts';
import { outageProblems, sleep, startApp, timedFetch, until, Visitor, type AppProcess, type Answer } from './faults-helpers.ts';

/**
 * PostgreSQL goes away while requests flow, and comes back: the app (a production-mode child
 * process on a private cluster this file starts and stops) answers every request within a bound,
 * with a clear 503 page while the database is gone, recovers without a restart, loses no write it
 * acknowledged and leaves no half-done change (enrollments, lesson positions, payments). A Stripe
 * webhook delivered during the outage gets a 5xx and is applied exactly once when Stripe retries.
 */

/** Every request answers within this, outage or not (the pool's connect timeout is below it). */
const ANSWER_BOUND_MS = 5_000;

interface Seen {
  at: number;
  path: string;
  answer: Answer;
}

describe('PostgreSQL stops while requests flow', () => {
  let dir: string;
  let pgPort: number;
  let pg: EmbeddedPostgresHandle;
  let app: AppProcess;
  let db: Database;
  let teacher: Visitor;
  let student: Visitor;
  let courseSlug: string;
  let chapterId: string;
  let initialOrder: string[];
  const freeCourses: Array<{ id: string; slug: string }> = [];
  const payments: Payment[] = [];
  const report: Record<string, unknown> = {};

  const startPostgres = async () => {
    // After a kill -9 the old server's backends take a moment to notice and exit.
    for (let attempt = 0; ; attempt++) {
      try {
        return await startEmbeddedPostgres({ directory: path.join(dir, 'postgres'), port: pgPort, database: 'edupeak' });
      } catch (error) {
        if (attempt >= 20) throw error;
        await sleep(500);
      }
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-faults-pg-'));
    pgPort = await freePort();
    pg = await startPostgres();
    // Durable as in production: this cluster keeps the default synchronous_commit = on.
    app = await startApp({
      PORT: String(await freePort()),
      DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: pg.url,
      STRIPE_SECRET_KEY: 'sk_test_faults',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: 'http://127.0.0.1:9',
    });
    db = createDatabase({ connectionString: pg.url, max: 3 });

    const owner = await createTeacher(db);
    const course = await createCourse(db, { userId: owner.id, price: 0 });
    courseSlug = course.slug;
    const chapter = await createChapter(db, { courseId: course.id });
    chapterId = chapter.id;
    for (let i = 0; i < 3; i++) await createLesson(db, { chapterId });
    initialOrder = await lessonOrder();
    for (let i = 0; i < 80; i++) {
      const free = await createCourse(db, { userId: owner.id, price: 0 });
      freeCourses.push({ id: free.id, slug: free.slug });
    }
    for (let i = 0; i < 60; i++) payments.push(await pendingPayment(db));
    const learner = await createUser(db);

    teacher = new Visitor(app.url);
    await teacher.signIn(owner.email, owner.password);
    student = new Visitor(app.url);
    await student.signIn(learner.email, learner.password);
  }, 120_000);

  afterAll(async () => {
    console.info(`faults (PostgreSQL stops): ${JSON.stringify(report)}`);
    app?.child.kill('SIGTERM');
    await app?.exited;
    await db?.destroy();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  async function lessonOrder(): Promise<string[]> {
    const rows = await db.selectFrom('lesson').select('id').where('chapterId', '=', chapterId).orderBy('position').execute();
    return rows.map((r) => r.id);
  }

  const deliver = (event: ReturnType<typeof completed>) => {
    const { payload, signature } = signedEvent(event);
    return timedFetch(`${app.url}/webhooks/stripe`, { method: 'POST', body: payload, headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature } });
  };

  /**
   * Runs traffic (readers, /readyz, and writers: enrollments, lesson moves, webhooks), takes the
   * database away with `stop`, brings it back, and checks what users would notice.
   */
  async function outage(name: string, stop: () => Promise<void>) {
    const seen: Seen[] = [];
    const readyz: Array<{ at: number; status: number }> = [];
    const enrolls: Array<{ slug: string; answer: Answer }> = [];
    const moves: Answer[] = [];
    const hooks: Array<{ payment: Payment; event: ReturnType<typeof completed>; answer: Answer }> = [];
    let running = true;

    const readers = Array.from({ length: 3 }, async (_, n) => {
      const paths = ['/', '/courses', `/courses/${courseSlug}`];
      for (let i = n; running; i++) {
        const p = paths[i % paths.length]!;
        seen.push({ at: Date.now(), path: p, answer: await timedFetch(app.url + p) });
      }
    });
    const readiness = (async () => {
      while (running) {
        const answer = await timedFetch(`${app.url}/readyz`);
        readyz.push({ at: Date.now(), status: answer.status });
        seen.push({ at: Date.now(), path: '/readyz', answer });
        await sleep(100);
      }
    })();
    const enroller = (async () => {
      while (running && freeCourses.length > 0) {
        const course = freeCourses.shift()!;
        enrolls.push({ slug: course.slug, answer: await student.post(`/courses/${course.slug}/enroll`) });
        await sleep(250);
      }
    })();
    const mover = (async () => {
      // One lesson moved up and down, one request at a time (so the audit's order is the order applied).
      const lesson = initialOrder[1]!;
      for (let i = 0; running; i++) {
        moves.push(await teacher.post(`/teach/lessons/${lesson}/move`, { direction: i % 2 ? 'down' : 'up' }));
        await sleep(50);
      }
    })();
    const webhooks = (async () => {
      while (running && payments.length > 0) {
        const payment = payments.shift()!;
        const event = completed(payment);
        hooks.push({ payment, event, answer: await deliver(event) });
        await sleep(250);
      }
    })();

    await sleep(1_500);
    const stoppedAt = Date.now();
    await stop();
    const stopMs = Date.now() - stoppedAt;
    const readyzDownMs = await until(() => readyz.some((r) => r.at > stoppedAt && r.status === 503), 5_000, '/readyz 503').catch((error) => {
      console.error(JSON.stringify({ stopMs, readyz: readyz.slice(-20), seen: seen.slice(-10).map((s) => [s.path, s.answer.status, s.answer.ms, s.answer.error]) }));
      console.error(app.output().slice(-3000));
      throw error;
    });
    await sleep(2_500);
    const restartAt = Date.now();
    pg = await startPostgres();
    const pgUpMs = Date.now() - restartAt;
    const upAt = Date.now();
    const readyzUpMs = await until(() => readyz.some((r) => r.at > upAt && r.status === 200), 10_000, '/readyz 200 again');
    const pagesUpMs = await until(
      () => ['/', '/courses', `/courses/${courseSlug}`].every((p) => seen.some((s) => s.at > upAt && s.path === p && s.answer.status === 200)),
      10_000,
      'every page 200 again',
    );
    await sleep(1_000);
    running = false;
    await Promise.all([...readers, readiness, enroller, mover, webhooks]);

    // Every request answered, within the bound, with a page or a clear 503 page.
    const slowest = Math.max(...seen.map((s) => s.answer.ms), ...enrolls.map((e) => e.answer.ms), ...moves.map((m) => m.ms), ...hooks.map((h) => h.answer.ms));
    expect(slowest).toBeLessThan(ANSWER_BOUND_MS);
    const pages = seen.filter((s) => s.path !== '/readyz');
    const bad = pages.filter((s) => s.answer.status !== 200 && outageProblems(s.answer).length > 0);
    expect(bad.map((s) => `${s.path}: ${outageProblems(s.answer).join(', ')}`)).toEqual([]);
    const unavailable = pages.filter((s) => s.answer.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const write of [...enrolls.map((e) => e.answer), ...moves]) {
      expect([303, 503], `a write answered ${write.status} ${write.error ?? ''} after ${write.ms} ms`).toContain(write.status);
      if (write.status === 503) expect(outageProblems(write)).toEqual([]);
    }
    // Pages are served again without a restart: the last second was all 200.
    expect(pages.filter((s) => s.at > upAt + pagesUpMs + 200).every((s) => s.answer.status === 200)).toBe(true);
    expect(app.child.exitCode).toBeNull();
    // One line when the outage began (not one per request).
    const outageLines = app.output().split('\n').filter((line) => line.includes('database unavailable'));
    expect(outageLines.length).toBeGreaterThanOrEqual(1);

    // Stripe retries what it did not get a 2xx for; then delivers everything once more (a duplicate).
    for (const hook of hooks.filter((h) => h.answer.status !== 200)) {
      expect(hook.answer.status).toBeGreaterThanOrEqual(500);
      const retried = await deliver(hook.event);
      expect(retried.status, retried.text).toBe(200);
    }
    for (const hook of hooks) expect((await deliver(hook.event)).status).toBe(200);

    await checkConsistency(enrolls, hooks);

    report[name] = {
      requests: seen.length + enrolls.length + moves.length + hooks.length,
      pages503: unavailable.length,
      slowestMs: slowest,
      stopMs,
      readyz503AfterMs: readyzDownMs,
      postgresStartMs: pgUpMs,
      readyz200AfterMs: readyzUpMs,
      pages200AfterMs: pagesUpMs,
      enrollAcked: enrolls.filter((e) => e.answer.status === 303).length,
      enroll503: enrolls.filter((e) => e.answer.status === 503).length,
      moveAcked: moves.filter((m) => m.status === 303).length,
      move503: moves.filter((m) => m.status === 503).length,
      webhooks5xx: hooks.filter((h) => h.answer.status >= 500).length,
      webhooks: hooks.length,
    };
  }

  async function checkConsistency(enrolls: Array<{ slug: string; answer: Answer }>, hooks: Array<{ payment: Payment; event: { id: string } }>) {
    // Enrollments: every one acknowledged is there; each is there with its audit row, or neither is.
    const enrolled = await db
      .selectFrom('enrollment as e')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .select(['e.id', 'c.slug', 'e.status'])
      .where('c.slug', 'in', enrolls.map((e) => e.slug))
      .execute();
    const enrolledSlugs = new Set(enrolled.map((e) => e.slug));
    for (const e of enrolls.filter((e) => e.answer.status === 303)) expect(enrolledSlugs.has(e.slug), `acknowledged enrollment in ${e.slug}`).toBe(true);
    const audited = await db.selectFrom('activityLog').select('entityId').where('action', '=', 'enrollment_created').where('entityId', 'in', enrolled.length ? enrolled.map((e) => e.id) : ['-']).execute();
    expect(audited.map((a) => a.entityId).sort()).toEqual(enrolled.map((e) => e.id).sort());

    // Lesson positions: 1..n without gaps or twins, and exactly what the audited moves, replayed, give.
    const positions = await db.selectFrom('lesson').select(['id', 'position']).where('chapterId', '=', chapterId).orderBy('position').execute();
    expect(positions.map((p) => p.position)).toEqual(positions.map((_, i) => i + 1));
    const log = await db
      .selectFrom('activityLog')
      .select(['entityId', 'metadata'])
      .where('action', '=', 'lesson_moved')
      .where('entityId', 'in', initialOrder)
      .orderBy('createdAt')
      .orderBy(sql`ctid`)
      .execute();
    const replayed = [...initialOrder];
    for (const entry of log) {
      const at = replayed.indexOf(entry.entityId!);
      const to = (entry.metadata as { direction: string }).direction === 'up' ? at - 1 : at + 1;
      expect(to >= 0 && to < replayed.length, 'an audited move that could not have happened').toBe(true);
      [replayed[at], replayed[to]] = [replayed[to]!, replayed[at]!];
    }
    expect(positions.map((p) => p.id)).toEqual(replayed);

    // Payments: each event applied exactly once: transaction Completed, enrollment Active, one
    // stripe_event row, one activation in the audit log.
    for (const { payment, event } of hooks) {
      const transaction = await db.selectFrom('paymentTransaction').select('status').where('id', '=', payment.transaction.id).executeTakeFirstOrThrow();
      const enrollment = await db.selectFrom('enrollment').select('status').where('id', '=', payment.enrollment.id).executeTakeFirstOrThrow();
      const events = await db.selectFrom('stripeEvent').select('id').where('id', '=', event.id).execute();
      const activations = await db.selectFrom('activityLog').select('id').where('action', '=', 'enrollment_activated').where('entityId', '=', payment.enrollment.id).execute();
      expect({ transaction: transaction.status, enrollment: enrollment.status, events: events.length, activations: activations.length }).toEqual({
        transaction: 'Completed',
        enrollment: 'Active',
        events: 1,
        activations: 1,
      });
    }
  }

  it('a fast shutdown: clear 503 pages within the bound, /readyz 503, back without a restart; nothing lost or half-done', async () => {
    // SIGINT: PostgreSQL's "fast" shutdown, as `systemctl stop postgresql` or a failover does.
    await outage('fast shutdown', () => pg.stop());
  }, 60_000);

  it('a crash (kill -9 of the postmaster): the same, and crash recovery keeps every acknowledged write', async () => {
    const { rows } = await sql<{ dir: string }>`select current_setting('data_directory') as dir`.execute(db);
    await outage('kill -9', async () => {
      const pid = Number(readFileSync(path.join(rows[0]!.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGKILL');
    });
  }, 60_000);

  it('a Stripe webhook while the database is down: 5xx (Stripe retries), then applied exactly once', async () => {
    const payment = await pendingPayment(db);
    const event = completed(payment);
    await pg.stop();
    const during = await deliver(event);
    expect(during.status).toBeGreaterThanOrEqual(500);
    expect(during.ms).toBeLessThan(ANSWER_BOUND_MS);
    pg = await startPostgres();
    await until(async () => (await timedFetch(`${app.url}/readyz`)).status === 200, 10_000, '/readyz 200');
    const retried = await deliver(event);
    expect(retried.status).toBe(200);
    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect(await db.selectFrom('stripeEvent').select('id').where('id', '=', event.id).execute()).toHaveLength(1);
    expect((await db.selectFrom('paymentTransaction').select('status').where('id', '=', payment.transaction.id).executeTakeFirstOrThrow()).status).toBe('Completed');
    expect((await db.selectFrom('enrollment').select('status').where('id', '=', payment.enrollment.id).executeTakeFirstOrThrow()).status).toBe('Active');
    const activations = await db.selectFrom('activityLog').select('id').where('action', '=', 'enrollment_activated').where('entityId', '=', payment.enrollment.id).execute();
    expect(activations).toHaveLength(1);
    report.webhook = { duringStatus: during.status, duringMs: during.ms, retriedStatus: retried.status, againStatus: again.status };
  }, 60_000);
});
