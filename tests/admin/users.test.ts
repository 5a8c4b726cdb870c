import { describe, expect, it } from 'vitest';
import { addMembership } from '../setup/admin-factories.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/** /admin/users (the table) and /admin/users/:userId (the user page). Actions: users-actions.test.ts. */

/** The emails of the table's rows, in order. */
const emailsOn = (html: string) => [...html.matchAll(/<tr id="u-[^"]+">\s*<td[^>]*><a href="\/admin\/users\/[^"]+">[^<]*<\/a><br><span class="muted">([^<]+)<\/span>/g)].map((m) => m[1]);

/** The `<tr>` of one user in the table's HTML ('' when not on the page). */
function rowOf(html: string, userId: string): string {
  const start = html.indexOf(`<tr id="u-${userId}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
}

describe('admin users table', () => {
  const t = useTestApp();
  const tag = () => Math.random().toString(36).slice(2, 8);
  const days = (n: number) => new Date(Date.now() - n * 86_400_000);

  it('searches name or email, filters by role, banned and verified; each filter is in the links', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const k = tag();
    const ann = await createUser(t.db, { firstName: 'Annabel', lastName: `Quill${k}`, email: `ann-${k}@example.test` });
    const bob = await createUser(t.db, { firstName: 'Bob', lastName: 'Stone', email: `bob-${k}@school.test`, role: 'teacher', emailVerified: false });
    const cid = await createUser(t.db, { firstName: 'Cid', lastName: 'Moss', email: `cid-${k}@example.test`, banned: true, banReason: 'Spam', banExpires: new Date(Date.now() + 86_400_000) });
    const dee = await createUser(t.db, { firstName: 'Dee', lastName: `100%_${k}`, email: `dee-${k}@example.test`, role: 'admin' });

    const get = async (query: string) => emailsOn((await admin.agent.get(`/admin/users?${query}`).expect(200)).text);
    // Part of a name, a full name, part of an address (any case).
    expect(await get(`q=quill${k}`)).toEqual([ann.email]);
    expect(await get(`q=${encodeURIComponent(`Annabel Quill${k}`)}`)).toEqual([ann.email]);
    expect(await get(`q=${k}%40SCHOOL`)).toEqual([bob.email]);
    // % and _ are plain characters, not wildcards.
    expect(await get(`q=${encodeURIComponent(`100%_${k}`)}`)).toEqual([dee.email]);
    expect(await get(`q=${encodeURIComponent(`100_%${k}`)}`)).toEqual([]);
    expect(await get(`q=${k}&role=teacher`)).toEqual([bob.email]);
    expect(await get(`q=${k}&role=admin`)).toEqual([dee.email]);
    expect(await get(`q=${k}&banned=yes`)).toEqual([cid.email]);
    expect((await get(`q=${k}&banned=no`)).sort()).toEqual([ann.email, bob.email, dee.email].sort());
    expect(await get(`q=${k}&verified=no`)).toEqual([bob.email]);
    expect(await get(`q=${k}&verified=yes&banned=no&role=student`)).toEqual([ann.email]);
    // A bad value is ignored, never an error.
    expect((await get(`q=${k}&role=wizard&banned=maybe&sort=password&dir=sideways&page=-3`)).length).toBe(4);

    const page = await admin.agent.get(`/admin/users?q=${k}&banned=yes`).expect(200);
    expect(page.text).toContain(`name="q" type="search" value="${k}"`);
    expect(page.text).toContain('<option value="yes" selected>Banned</option>');
    expect(rowOf(page.text, cid.id)).toContain('Banned</span> until');
    expect(page.text).toContain(`href="/admin/users?sort=createdAt&amp;dir=desc&amp;q=${k}&amp;banned=yes&amp;format=csv"`);
    // The name's sort link keeps the filters.
    expect(page.text).toContain(`href="/admin/users?sort=name&amp;dir=desc&amp;q=${k}&amp;banned=yes"`);
  });

  it('sorts by joined (newest first by default), name and last seen (sessions or sign-ins; never seen last)', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const k = tag();
    const old = await createUser(t.db, { firstName: 'zed', lastName: 'Old', email: `old-${k}@example.test`, createdAt: days(30) });
    const mid = await createUser(t.db, { firstName: 'Amy', lastName: 'Mid', email: `mid-${k}@example.test`, createdAt: days(20) });
    const young = await createUser(t.db, { firstName: 'Mo', lastName: 'Young', email: `young-${k}@example.test`, createdAt: days(10) });
    // Last seen: mid on a device yesterday; old signed in 2 days ago (no device left); young never.
    await t.db.insertInto('session').values({ userId: mid.id, token: `t-${k}`, expiresAt: new Date(Date.now() + 86_400_000), updatedAt: days(1) }).execute();
    await t.db.insertInto('loginHistory').values({ userId: old.id, success: true, createdAt: days(2) }).execute();
    // A failed sign-in is not "seen", nor is an admin viewing as them.
    await t.db.insertInto('loginHistory').values({ userId: young.id, success: false, failureReason: 'wrong_password', createdAt: days(0) }).execute();
    await t.db.insertInto('session').values({ userId: young.id, token: `v-${k}`, expiresAt: new Date(Date.now() + 3_600_000), impersonatedBy: admin.user.id }).execute();

    const get = async (query: string) => emailsOn((await admin.agent.get(`/admin/users?q=${k}&${query}`).expect(200)).text);
    expect(await get('')).toEqual([young.email, mid.email, old.email]);
    expect(await get('sort=createdAt&dir=asc')).toEqual([old.email, mid.email, young.email]);
    expect(await get('sort=name&dir=asc')).toEqual([mid.email, young.email, old.email]);
    expect(await get('sort=name&dir=desc')).toEqual([old.email, young.email, mid.email]);
    expect(await get('sort=lastSeenAt&dir=desc')).toEqual([mid.email, old.email, young.email]);
    expect(await get('sort=lastSeenAt&dir=asc')).toEqual([young.email, old.email, mid.email]);
    const page = await admin.agent.get(`/admin/users?q=${k}&sort=lastSeenAt`).expect(200);
    expect(page.text).toContain('aria-sort="descending"');
    expect(rowOf(page.text, young.id)).toContain('>never</td>');
  });

  it('pages of 20 with every row once; columns show role, verified, points and enrollments counted in SQL', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const k = tag();
    const course = await createCourse(t.db);
    const other = await createCourse(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const u = await createUser(t.db, { email: `page-${String(i).padStart(2, '0')}-${k}@example.test`, points: i, createdAt: days(1) });
      ids.push(u.id);
    }
    await createEnrollment(t.db, { userId: ids[0]!, courseId: course.id });
    await createEnrollment(t.db, { userId: ids[0]!, courseId: other.id });
    const first = await admin.agent.get(`/admin/users?q=page-&sort=name&dir=asc`).expect(200);
    const second = await admin.agent.get(`/admin/users?q=page-&sort=name&dir=asc&page=2`).expect(200);
    const seen = [...emailsOn(first.text), ...emailsOn(second.text)].filter((e) => e!.includes(k));
    expect(emailsOn(first.text)).toHaveLength(20);
    expect(new Set(seen).size).toBe(25);
    expect(first.text).toContain('rel="next"');
    expect(first.text).toMatch(/25 users/);
    const page = await admin.agent.get(`/admin/users?q=page-00-${k}`).expect(200);
    const row = rowOf(page.text, ids[0]!);
    expect(row).toContain('>student</td>');
    expect(row).toContain('>verified</td>');
    expect(row).toMatch(/data-label="Enrollments" class="num">2</);
    expect(row).toMatch(/data-label="Points" class="num">0</);
  });

  it('the CSV: every filtered row in the table\'s order, with a formula neutralised', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const k = tag();
    const evil = await createUser(t.db, { firstName: '=cmd|calc!A0', lastName: '@SUM(1)', email: `evil-${k}@csv.test`, createdAt: days(3) });
    for (let i = 0; i < 24; i++) await createUser(t.db, { email: `csv-${i}-${k}@csv.test`, createdAt: days(2) });
    await createUser(t.db, { email: `banned-${k}@csv.test`, banned: true, banReason: 'Abuse', banExpires: null });
    const csv = await admin.agent.get(`/admin/users?q=${k}%40csv&banned=no&format=csv`).expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="users.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,first name,last name,email,role,verified,banned,ban reason,ban expires,points,enrollments,created at,last seen at');
    expect(lines).toHaveLength(26);
    // Newest first: the one made earliest is last.
    expect(lines.at(-1)).toContain(evil.email);
    expect(lines.at(-1)).toContain(`,"'=cmd|calc!A0","'@SUM(1)",${evil.email},`);
    expect(csv.text).not.toContain(`banned-${k}`);
    const banned = await admin.agent.get(`/admin/users?q=banned-${k}&format=csv`).expect(200);
    expect(banned.text.trim().split('\n')[1]).toMatch(/,yes,Abuse,,0,0,/);
  });

  it('students, teachers and visitors never see it: 404 on every /admin/users path (GET and POST)', async () => {
    const target = await createUser(t.db);
    const paths = ['/admin/users', '/admin/users?format=csv', `/admin/users/${target.id}`];
    const posts = ['ban', 'unban', 'role', 'verify', 'password-reset'].map((a) => `/admin/users/${target.id}/${a}`);
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      for (const path of paths) await who.agent.get(path).expect(404);
      for (const path of posts) await who.post(path, { banReason: 'x', banLength: 'permanent', role: 'admin' }).expect(404);
    }
    for (const path of paths) expect((await t.request().get(path)).status).not.toBe(200);
    const after = await t.db.selectFrom('user').selectAll().where('id', '=', target.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ banned: false, role: 'student' });
    expect(await t.db.selectFrom('activityLog').select('id').where('entityId', '=', target.id).execute()).toEqual([]);
  });

  it('a full page: within the page budget; the same number of queries for 5 users as for 20 with enrollments', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const k = tag();
    const course = await createCourse(t.db);
    for (let i = 0; i < 5; i++) await createUser(t.db, { email: `few-${i}-${k}@budget.test` });
    const few = await countQueries(t.db, () => admin.agent.get(`/admin/users?q=${k}%40budget`).expect(200));
    for (let i = 0; i < 20; i++) {
      const u = await createUser(t.db, { firstName: 'Maximilian-Alexander', lastName: 'Worthington-Smythe', email: `many-${i}-${k}@budget.test`, banned: i % 3 === 0, banReason: 'Long enough reason to take some room', banExpires: new Date(Date.now() + 86_400_000) });
      await createEnrollment(t.db, { userId: u.id, courseId: course.id });
      await t.db.insertInto('session').values({ userId: u.id, token: `b-${i}-${k}`, expiresAt: new Date(Date.now() + 86_400_000) }).execute();
    }
    const many = await countQueries(t.db, () => admin.agent.get(`/admin/users?q=${k}%40budget&sort=lastSeenAt`).expect(200));
    expect(many.count, many.queries.join('\n')).toBe(few.count);
    expect(emailsOn(many.result.text)).toHaveLength(20);
    expectWithinPageBudget(many.result);
  });
});

describe('admin user page', () => {
  const t = useTestApp();

  async function richUser(admin: SignedIn, n: number) {
    const user = await createUser(t.db, { firstName: 'Rita', lastName: 'Page', points: 42, emailVerified: false });
    for (let i = 0; i < n; i++) {
      const course = await createCourse(t.db, { title: `Course ${i} of ${user.id.slice(0, 6)}` });
      const e = await createEnrollment(t.db, { userId: user.id, courseId: course.id, status: 'Active', amount: 1500 });
      await t.db.insertInto('paymentTransaction').values({ enrollmentId: e.id, amount: 1500, status: 'Completed' }).execute();
      await t.db.insertInto('session').values({ userId: user.id, token: `rp-${user.id}-${i}`, expiresAt: new Date(Date.now() + 86_400_000), ipAddress: `10.0.0.${i}`, userAgent: 'Mozilla/5.0 (Linux; Android 14) Chrome/140.0 Mobile' }).execute();
      await t.db.insertInto('loginHistory').values({ userId: user.id, success: i % 2 === 0, failureReason: i % 2 === 0 ? null : 'wrong_password', ipAddress: `10.0.1.${i}` }).execute();
      await t.db.insertInto('activityLog').values({ userId: user.id, action: 'blog_submitted', entityType: 'blog', entityId: `post-${i}` }).execute();
    }
    await t.db.insertInto('session').values({ userId: user.id, token: `rp-view-${user.id}`, expiresAt: new Date(Date.now() + 3_600_000), impersonatedBy: admin.user.id }).execute();
    return user;
  }

  it('shows the person, their devices, enrollments, payments, sign-ins and actions, each linking to the full table', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const user = await richUser(admin, 2);
    const res = await admin.agent.get(`/admin/users/${user.id}`).expect(200);
    const text = res.text.replace(/\s+/g, ' ');
    expect(text).toContain('<h1>Rita Page</h1>');
    expect(text).toContain(`${user.email} (not verified)`);
    expect(text).toContain('<strong>Points:</strong> 42');
    expect(text).toContain('<strong>Enrollments:</strong> 2');
    expect(text).toContain('<strong>Signed in on:</strong> 3 devices');
    expect(text).toContain('Chrome on Android');
    expect(text).toContain(`(viewed as by ${admin.user.email})`);
    expect(text).toContain(`Course 1 of ${user.id.slice(0, 6)}`);
    expect(text).toContain('$15.00');
    expect(text).toContain('refused: wrong password');
    expect(text).toContain('10.0.1.1');
    expect(text).toContain('blog submitted');
    const email = encodeURIComponent(user.email);
    expect(text).toContain(`href="/admin/enrollments?user=${email}"`);
    expect(text).toContain(`href="/admin/payments?user=${email}"`);
    expect(text).toContain(`href="/admin/logins?user=${email}"`);
    expect(text).toContain(`href="/admin/activity?actor=${user.id}"`);
    // The table links here.
    const table = await admin.agent.get(`/admin/users?q=${encodeURIComponent(user.email)}`).expect(200);
    expect(table.text).toContain(`<a href="/admin/users/${user.id}">Rita Page</a>`);
  });

  it('the same number of queries for a person with 1 of everything as with 30; within the page budget', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const small = await richUser(admin, 1);
    const big = await richUser(admin, 30);
    const few = await countQueries(t.db, () => admin.agent.get(`/admin/users/${small.id}`).expect(200));
    const many = await countQueries(t.db, () => admin.agent.get(`/admin/users/${big.id}`).expect(200));
    expect(many.count, many.queries.join('\n')).toBe(few.count);
    // At most 20 of each list, the newest.
    expect(many.result.text.match(/Chrome on Android/g)!.length).toBeLessThanOrEqual(40);
    expect(many.result.text.match(/blog submitted/g)).toHaveLength(20);
    expectWithinPageBudget(many.result);
  });

  it('offers "View as" to a SuperAdmin for a non-admin who is not banned; says why not otherwise; no ban or role form on your own page', async () => {
    const plain = await signedInAs(t.app, t.db, 'admin');
    const boss = await signedInAs(t.app, t.db, 'admin');
    await addMembership(t.db, boss.user.id, 'SuperAdmin');
    const student = await createUser(t.db, { firstName: 'Vera', lastName: 'Viewed' });
    const banned = await createUser(t.db, { firstName: 'Bea', lastName: 'Banned', banned: true, banReason: 'Spam' });
    const other = await createUser(t.db, { role: 'admin' });

    const forBoss = (await boss.agent.get(`/admin/users/${student.id}`).expect(200)).text;
    expect(forBoss).toContain(`action="/admin/users/${student.id}/impersonate"`);
    expect(forBoss).toContain('View as Vera Viewed');
    expect(forBoss).toContain('name="role"');
    expect((await plain.agent.get(`/admin/users/${student.id}`)).text).toContain('Only a workspace SuperAdmin can view Edupeak as Vera Viewed.');
    expect((await boss.agent.get(`/admin/users/${banned.id}`)).text).toContain('Lift the ban to view Edupeak as Bea Banned.');
    expect((await boss.agent.get(`/admin/users/${other.id}`)).text).toContain('Admins cannot be viewed as.');

    const own = (await boss.agent.get(`/admin/users/${boss.user.id}`).expect(200)).text;
    expect(own).toContain('This is your own account');
    expect(own).not.toContain(`/admin/users/${boss.user.id}/ban`);
    expect(own).not.toContain('name="role"');
    expect(own).not.toContain('/impersonate');
  });

  it('an unknown or malformed id is 404', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get('/admin/users/00000000-0000-4000-8000-000000000000').expect(404);
    await admin.agent.get('/admin/users/nope').expect(404);
  });
});
