import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { recordPresence } from '../../src/features/accounts/presence.ts';
import { pruneExpired } from '../../src/jobs/prune-expired.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createEnrollment, createUser } from '../setup/factories.ts';
import { CHROME_ANDROID, newAgent, signIn } from '../setup/forms.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, startSession } from '../setup/users.ts';

/** Who is online: the presence middleware (one upsert a minute per device), /admin/online, the prune, LoggedIn at sign-in. */

describe('who is online', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('onlineSession').execute();
  });

  const presenceQueries = (queries: string[]) => queries.filter((q) => q.includes('online_session'));
  const deviceOf = async (userId: string) => (await t.db.selectFrom('session').select(['id', 'token']).where('userId', '=', userId).executeTakeFirstOrThrow());
  const rowsOf = (userId: string) => t.db.selectFrom('onlineSession').selectAll().where('userId', '=', userId).execute();

  /** As if this device's last refresh was `ms` ago: in its cookie session and in its row. */
  async function age(userId: string, ms: number) {
    const device = await deviceOf(userId);
    await sql`update http_session set sess = jsonb_set(sess::jsonb, '{onlineAt}', to_jsonb(${Date.now() - ms}::bigint))::json where sess->>'deviceToken' = ${device.token}`.execute(t.db);
    await sql`update online_session set last_activity_at = now() - make_interval(secs => ${ms / 1000}) where session_id = ${device.id}`.execute(t.db);
  }

  it('ten requests in a row by a new sign-in cost one upsert; its row names the device (session id, ip, browser)', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app, CHROME_ANDROID);
    await startSession(agent, t.db, user);
    const { count, queries } = await countQueries(t.db, async () => {
      for (let i = 0; i < 10; i++) await agent.get(i % 2 ? '/courses' : '/').expect(200);
    });
    expect(count).toBeGreaterThan(10);
    expect(presenceQueries(queries)).toHaveLength(1);
    // The same statement marks the day active for /admin/analytics (user_active_day, UTC).
    expect(presenceQueries(queries)[0]).toMatch(/^\s*with active_day as \(\s*insert into user_active_day .* insert into online_session .* on conflict \(session_id\) do update/s);
    const days = await t.db.selectFrom('userActiveDay').select(sql<string>`day::text`.as('day')).where('userId', '=', user.id).execute();
    expect(days).toEqual([{ day: new Date().toISOString().slice(0, 10) }]);
    const rows = await rowsOf(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sessionId: (await deviceOf(user.id)).id, userAgent: CHROME_ANDROID });
    expect(rows[0]!.ipAddress).toContain('127.0.0.1');
  });

  it('a minute later the next request refreshes the row once; an htmx request counts too; visitors cost nothing', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await age(student.user.id, 61_000);
    const before = (await rowsOf(student.user.id))[0]!.lastActivityAt;
    const { queries } = await countQueries(t.db, async () => {
      await student.agent.get('/notifications').set('HX-Request', 'true').expect(200);
      await student.agent.get('/notifications').expect(200);
      await student.agent.get('/').expect(200);
    });
    expect(presenceQueries(queries)).toHaveLength(1);
    const after = (await rowsOf(student.user.id))[0]!.lastActivityAt;
    expect(new Date(after).getTime()).toBeGreaterThan(new Date(before).getTime() + 50_000);

    const visitor = await countQueries(t.db, () => t.request().get('/courses').expect(200));
    expect(presenceQueries(visitor.queries)).toEqual([]);
  });

  it('parallel first requests of one device leave one row; the upsert leaves a row refreshed under a minute ago alone', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    await startSession(agent, t.db, user);
    await Promise.all(Array.from({ length: 10 }, () => agent.get('/').expect(200)));
    expect(await rowsOf(user.id)).toHaveLength(1);

    const sessionId = (await deviceOf(user.id)).id;
    const visit = { userId: user.id, sessionId, ipAddress: '10.1.1.1', userAgent: 'Other' };
    await sql`update online_session set last_activity_at = now() - interval '30 seconds' where session_id = ${sessionId}`.execute(t.db);
    await recordPresence(t.db, visit);
    expect((await rowsOf(user.id))[0]).toMatchObject({ ipAddress: expect.stringContaining('127.0.0.1') });
    await sql`update online_session set last_activity_at = now() - interval '90 seconds' where session_id = ${sessionId}`.execute(t.db);
    await recordPresence(t.db, visit);
    const [row] = await rowsOf(user.id);
    expect(row).toMatchObject({ ipAddress: '10.1.1.1', userAgent: 'Other' });
    expect(Date.now() - new Date(row!.lastActivityAt).getTime()).toBeLessThan(10_000);
  });

  it('/admin/online lists who was active in the last 5 minutes, most recent first, with role, ip and browser; filters widen and narrow it; CSV', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const recent = await createUser(t.db, { firstName: 'Rita', lastName: 'Recent', email: 'rita@example.test' });
    const earlier = await createUser(t.db, { firstName: 'Eli', lastName: 'Earlier', email: 'eli@example.test', role: 'teacher' });
    const gone = await createUser(t.db, { firstName: 'Gus', lastName: 'Gone', email: 'gus@example.test' });
    const at = (minutes: number) => sql<Date>`now() - make_interval(mins => ${minutes})`;
    await t.db
      .insertInto('onlineSession')
      .values([
        { userId: recent.id, sessionId: 'rita-phone', ipAddress: '203.0.113.7', userAgent: CHROME_ANDROID, lastActivityAt: at(1) },
        { userId: earlier.id, sessionId: 'eli-laptop', ipAddress: '198.51.100.2', userAgent: '=cmd|x', lastActivityAt: at(3) },
        { userId: gone.id, sessionId: 'gus-old', ipAddress: '192.0.2.1', userAgent: null, lastActivityAt: at(10) },
      ])
      .execute();

    const page = await admin.agent.get('/admin/online').expect(200);
    expect(page.text).toContain('Chrome on Android (mobile)');
    expect(page.text).toContain('203.0.113.7');
    expect(page.text).toContain(`<a href="/admin/users/${recent.id}">Rita Recent</a>`);
    expect(page.text).not.toContain('Gus Gone');
    // Most recent first: the admin (this very request's device), Rita, then Eli.
    const order = [admin.user.email, 'rita@example.test', 'eli@example.test'].map((e) => page.text.indexOf(e));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(page.text).toContain('3 devices');

    expect((await admin.agent.get('/admin/online?within=15').expect(200)).text).toContain('Gus Gone');
    const teachers = await admin.agent.get('/admin/online?role=teacher').expect(200);
    expect(teachers.text).toContain('Eli Earlier');
    expect(teachers.text).not.toContain('Rita Recent');
    const byName = await admin.agent.get('/admin/online?user=rita+rec').expect(200);
    expect(byName.text).toContain('Rita Recent');
    expect(byName.text).not.toContain('Eli Earlier');
    // A bad value falls back, never an error.
    expect((await admin.agent.get('/admin/online?within=7&role=king&sort=ip&page=-3').expect(200)).text).toContain('Rita Recent');
    const ascending = await admin.agent.get('/admin/online?sort=lastActivityAt&dir=asc').expect(200);
    expect(ascending.text.indexOf('eli@example.test')).toBeLessThan(ascending.text.indexOf('rita@example.test'));

    const csv = await admin.agent.get('/admin/online?format=csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="online.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('user id,name,email,role,last activity at,online since,ip,browser,system,device,user agent');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain(`${recent.id},Rita Recent,rita@example.test,student,`);
    expect(lines[2]).toContain(',203.0.113.7,Chrome,Android,mobile,');
    expect(lines[3]).toContain(`'=cmd|x`);
  });

  it('students and teachers get 404 from /admin/online and its CSV; a plain admin may look', async () => {
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/online').expect(404);
      await who.agent.get('/admin/online?format=csv').expect(404);
    }
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get('/admin/online').expect(200);
  });

  it('with 10,000 people online: within the page budget, the same number of queries as with 5, well under a second; the CSV streams every row', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const seed = async (n: number, prefix: string) => {
      await sql`insert into "user" (first_name, last_name, email, role, email_verified)
        select 'Online', 'Person ' || g, ${prefix} || g || '@example.test', 'student', true from generate_series(1, ${n}::int) g`.execute(t.db);
      await sql`insert into online_session (user_id, session_id, ip_address, user_agent, last_activity_at, created_at)
        select u.id, 'bulk-' || u.email, '10.0.' || (random() * 255)::int || '.1', ${CHROME_ANDROID}, now() - random() * interval '4 minutes', now() - interval '2 hours'
        from "user" u where u.email like ${prefix} || '%'`.execute(t.db);
    };
    await seed(5, 'few-online-');
    const few = await countQueries(t.db, () => admin.agent.get('/admin/online?role=student').expect(200));
    await t.db.deleteFrom('onlineSession').where('sessionId', 'like', 'bulk-few-online-%').execute();
    await seed(10_000, 'many-online-');

    const started = Date.now();
    const many = await countQueries(t.db, () => admin.agent.get('/admin/online?role=student').expect(200));
    const ms = Date.now() - started;
    expect(many.count, many.queries.join('\n')).toBe(few.count);
    expect(many.result.text).toContain('10000 devices');
    expect(many.result.text.match(/<tr id="o-/g)).toHaveLength(20);
    const size = expectWithinPageBudget(many.result);
    expect(ms).toBeLessThan(1000);
    console.info(`/admin/online with 10,000 rows: ${ms} ms, ${size} bytes gzipped, ${many.count} queries`);

    const csvStarted = Date.now();
    const csv = await admin.agent.get('/admin/online?role=student&format=csv').expect(200);
    console.info(`/admin/online CSV of 10,000 rows: ${Date.now() - csvStarted} ms`);
    expect(csv.text.trim().split('\n')).toHaveLength(10_001);
  });

  it('the prune job deletes rows idle for a day and rows whose sign-in is gone; a live one stays', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const live = (await deviceOf(student.user.id)).id;
    const other = await createUser(t.db);
    await t.db
      .insertInto('onlineSession')
      .values([
        { userId: other.id, sessionId: 'signed-out-device', lastActivityAt: new Date() },
        { userId: student.user.id, sessionId: '00000000-0000-4000-8000-000000000000', lastActivityAt: new Date() },
      ])
      .execute();
    const counts = await pruneExpired(t.db);
    expect(counts.onlineSession).toBe(2);
    expect((await t.db.selectFrom('onlineSession').select('sessionId').execute()).map((r) => r.sessionId)).toEqual([live]);

    await sql`update online_session set last_activity_at = now() - interval '25 hours'`.execute(t.db);
    await pruneExpired(t.db);
    expect(await t.db.selectFrom('onlineSession').selectAll().execute()).toEqual([]);
  });
});

describe('LoggedIn at sign-in', () => {
  const t = useTestApp();

  it('a sign-in writes, in one statement, login_history, one LoggedIn per Active enrollment not banned, and activity_log logged_in', async () => {
    const student = await createUser(t.db, { email: 'signs-in@example.test' });
    const active = [await createEnrollment(t.db, { userId: student.id, status: 'Active' }), await createEnrollment(t.db, { userId: student.id, status: 'Active' })];
    const cancelled = await createEnrollment(t.db, { userId: student.id, status: 'Cancelled' });
    const banned = await createEnrollment(t.db, { userId: student.id, status: 'Active', banned: true, banType: 'Permanent', banReason: 'spam' });

    // A wrong password writes no activity.
    const agent = newAgent(t.app);
    const wrong = await agent.get('/auth/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(wrong.text)![1]!;
    await agent.post('/auth/login').type('form').send({ _csrf: csrf, email: student.email, password: 'not-the-password' }).expect(422);
    expect(await t.db.selectFrom('studentActivity').selectAll().where('type', '=', 'LoggedIn').execute()).toEqual([]);

    const { queries } = await countQueries(t.db, () => signIn(agent, student.email, student.password));
    // (Beside it, the device session's start calls off a pending deletion: a statement of its own, accounts/deletion.ts.)
    const writes = queries.filter((q) => /insert into (login_history|student_activity)/i.test(q));
    expect(writes, writes.join('\n---\n')).toHaveLength(1);
    expect(writes[0]).toMatch(/insert into activity_log/i);

    const visits = await t.db.selectFrom('studentActivity').selectAll().where('type', '=', 'LoggedIn').execute();
    expect(visits.map((v) => v.enrollmentId).sort()).toEqual(active.map((e) => e.id).sort());
    expect(visits.map((v) => v.enrollmentId)).not.toContain(cancelled.id);
    expect(visits.map((v) => v.enrollmentId)).not.toContain(banned.id);
    const history = await t.db.selectFrom('loginHistory').selectAll().where('userId', '=', student.id).where('success', '=', true).execute();
    expect(history).toHaveLength(1);
    expect(history[0]!.deviceInfo).toMatchObject({ browser: 'Firefox', os: 'Linux', device: 'desktop' });
    expect(visits[0]!.metadata).toEqual({ loginHistoryId: history[0]!.id });
    const log = await t.db.selectFrom('activityLog').selectAll().where('action', '=', 'logged_in').where('userId', '=', student.id).execute();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ entityType: 'user', entityId: student.id, userAgent: expect.stringContaining('Firefox') });
    expect(log[0]!.metadata).toEqual({ loginHistoryId: history[0]!.id, enrollments: 2 });

    // Someone with no enrollment (an admin, say) still gets the login_history and activity_log rows.
    const admin = await createUser(t.db, { role: 'admin' });
    await signIn(newAgent(t.app), admin.email, admin.password);
    expect(await t.db.selectFrom('activityLog').select('metadata').where('action', '=', 'logged_in').where('userId', '=', admin.id).execute()).toEqual([
      { metadata: { loginHistoryId: expect.any(String), enrollments: 0 } },
    ]);
  });
});
