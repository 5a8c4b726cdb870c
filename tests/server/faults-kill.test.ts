import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { freePort } from '../setup/postgres.ts';
import { sleep, startApp, timedFetch, until, Visitor, type Answer, type AppProcess } from './faults-helpers.ts';

/**
 * Two instances on one PostgreSQL (server mode: DATABASE_URL), both under load; one is killed with
 * SIGKILL mid-request. The other keeps serving without a single error, the killed one's database
 * connections go away, and it starts again cleanly on the same port.
 *
 * Embedded mode (a crash that leaves PostgreSQL and postmaster.pid behind) is covered by
 * tests/server/process.test.ts, "recovers after a crash that left PostgreSQL and postmaster.pid behind".
 */

describe('an instance killed with SIGKILL under load', () => {
  let dir: string;
  let database: TestDatabase;
  const apps: AppProcess[] = [];
  let env: (port: number) => Record<string, string>;
  let paths: string[];
  let cookie: string;
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-faults-kill-'));
    database = await createTestDatabase();
    const { db } = database;
    const course = await createCourse(db);
    const chapter = await createChapter(db, { courseId: course.id });
    const lesson = await createLesson(db, { chapterId: chapter.id });
    const student = await createUser(db);
    await createEnrollment(db, { userId: student.id, courseId: course.id });
    paths = ['/', '/courses', `/courses/${course.slug}`, `/learn/${course.slug}/lessons/${lesson.id}`];
    // Both instances share uploads as they would share S3 (here: one DATA_DIR).
    env = (port) => ({ PORT: String(port), DATA_DIR: path.join(dir, 'data'), DATABASE_URL: database.url });
    const [a, b] = await Promise.all([startApp(env(await freePort())), startApp(env(await freePort()))]);
    apps.push(a, b);
    // One sign-in, honoured by both (sessions live in PostgreSQL).
    const visitor = new Visitor(a.url);
    await visitor.signIn(student.email, student.password);
    cookie = visitor.cookieHeader();
  }, 120_000);

  afterAll(async () => {
    console.info(`faults (SIGKILL): ${JSON.stringify(report)}`);
    for (const app of apps) {
      if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
      await app.exited;
    }
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const connections = async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database()`.execute(database.db);
    return rows[0]!.n;
  };

  it('the other instance keeps serving with zero errors; the killed one restarts cleanly', async () => {
    const [victim, survivor] = apps as [AppProcess, AppProcess];
    const answers = new Map<AppProcess, Array<{ at: number; path: string; answer: Answer }>>([
      [victim, []],
      [survivor, []],
    ]);
    let running = true;
    const load = (app: AppProcess, worker: number) =>
      (async () => {
        for (let i = worker; running; i++) {
          const p = paths[i % paths.length]!;
          const answer = await timedFetch(app.url + p, { headers: { Cookie: cookie, 'X-Forwarded-Proto': 'https' } });
          answers.get(app)!.push({ at: Date.now(), path: p, answer });
          // A client of a dead instance gives up (a proxy would mark it down); no busy loop on a closed port.
          if (answer.status === 0) return;
        }
      })();
    // Four connections on each instance, as many as the machine's cores can keep busy.
    const workers = [0, 1, 2, 3].flatMap((n) => [load(victim, n), load(survivor, n)]);

    await sleep(2_000);
    const before = await connections();
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const { signal } = await victim.exited;
    expect(signal).toBe('SIGKILL');
    // Its connections are closed by the kernel; PostgreSQL drops them (no leak until a timeout).
    const connectionsGoneMs = await until(async () => (await connections()) <= before - 1, 10_000, 'the killed instance’s connections to go');
    const after = await connections();
    await sleep(2_000);

    const restartedAt = Date.now();
    const restarted = await startApp(env(victim.port));
    apps[0] = restarted;
    answers.set(restarted, []);
    const restartMs = Date.now() - restartedAt;
    const again = [0, 1].map((n) => load(restarted, n));
    // Until the restarted one has answered a few requests (not a fixed time: a busy CI machine
    // answered only 4 in 1.5 s), then stop all load.
    await until(async () => answers.get(restarted)!.length > 4, 30_000, 'the restarted instance to answer').catch(() => {});
    running = false;
    await Promise.all([...workers, ...again]);

    const errorsOf = (app: AppProcess) => answers.get(app)!.filter((a) => a.answer.status !== 200);
    // The survivor: every request answered 200, the whole time.
    expect(errorsOf(survivor).map((a) => `${a.path}: ${a.answer.status} ${a.answer.error ?? ''}`)).toEqual([]);
    const survivorDuring = answers.get(survivor)!.filter((a) => a.at >= killedAt && a.at <= restartedAt).length;
    expect(survivorDuring).toBeGreaterThan(10);
    // The victim: fine until the kill; what was in flight failed at the connection (no HTTP answer).
    const victimBefore = answers.get(victim)!.filter((a) => a.at < killedAt - 100);
    expect(victimBefore.every((a) => a.answer.status === 200)).toBe(true);
    const cut = answers.get(victim)!.filter((a) => a.answer.status === 0);
    expect(cut.length).toBeGreaterThan(0);
    // The restarted one serves pages (and the signed-in lesson) again.
    expect(answers.get(restarted)!.length).toBeGreaterThan(4);
    expect(errorsOf(restarted)).toEqual([]);
    expect(restarted.output()).not.toMatch(/error|Error/);

    report.survivor = { requests: answers.get(survivor)!.length, errors: errorsOf(survivor).length, whileVictimDown: survivorDuring };
    report.victim = { requestsBefore: victimBefore.length, cutMidRequest: cut.length, connectionsBefore: before, connectionsAfter: after, connectionsGoneMs, restartMs, requestsAfterRestart: answers.get(restarted)!.length };
  }, 90_000);
});
