import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { CHROME_ANDROID, FIREFOX_LINUX, newAgent, signIn, submitForm } from '../setup/forms.ts';
import { csvLines, expectBudget, seedLogins } from '../setup/log-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** /admin/logins: every sign-in attempt (login_history) for admins, on the one admin table. */

type Attempt = { userId: string; success?: boolean; failureReason?: string | null; ipAddress?: string | null; userAgent?: string | null; createdAt?: Date; country?: string; city?: string };

async function attempt(db: Database, a: Attempt) {
  return db.insertInto('loginHistory').values({ success: true, ...a }).returning('id').executeTakeFirstOrThrow();
}

function rowOf(html: string, id: string): string {
  const start = html.indexOf(`<tr id="l-${id}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
}
const ids = (html: string) => [...html.matchAll(/<tr id="l-([0-9a-f-]+)">/g)].map((m) => m[1]);

describe('admin sign-ins', () => {
  const t = useTestApp();

  it('students and teachers get 404', async () => {
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/logins').expect(404);
      await who.agent.get('/admin/logins?format=csv').expect(404);
    }
  });

  it('a real sign-in and a wrong password show up: who, result and reason, address, browser', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const user = await createUser(t.db, { email: 'real-login@example.test', firstName: 'Rea', lastName: 'Login' });
    const wrong = await submitForm(newAgent(t.app, CHROME_ANDROID), '/auth/login', '/auth/login', { email: user.email, password: 'not the password' });
    expect(wrong.status).toBe(422);
    await signIn(newAgent(t.app, FIREFOX_LINUX), user.email, user.password);
    const page = await admin.agent.get('/admin/logins?user=real-login').expect(200);
    const [ok, failed] = ids(page.text);
    expect(rowOf(page.text, ok!)).toContain('Signed in');
    expect(rowOf(page.text, ok!)).toContain('Firefox on Linux (desktop)');
    expect(rowOf(page.text, ok!)).toContain(`<a href="/admin/users/${user.id}">Rea Login</a>`);
    expect(rowOf(page.text, failed!)).toContain('Failed');
    expect(rowOf(page.text, failed!)).toContain('Chrome on Android (mobile)');
    expect(rowOf(page.text, failed!)).toContain('wrong password');
  });

  it('filters by result, user (id or email), address prefix and whole days on the admin\'s clock; sorts by address', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin', { timeZone: 'America/Sao_Paulo' });
    const u = await createUser(t.db, { email: 'login-filter@example.test', firstName: 'Signe', lastName: 'Filter' });
    const v = await createUser(t.db, { email: 'other-filter@example.test' });
    // 2026-05-02 in São Paulo (UTC-3): 03:00 UTC on the 2nd to 03:00 UTC on the 3rd.
    const a = await attempt(t.db, { userId: u.id, ipAddress: '10.9.1.5', createdAt: new Date('2026-05-02T04:00:00Z') });
    const b = await attempt(t.db, { userId: u.id, success: false, failureReason: 'wrong_password', ipAddress: '10.9.2.7', createdAt: new Date('2026-05-03T02:00:00Z') });
    const c = await attempt(t.db, { userId: v.id, success: false, failureReason: 'banned', ipAddress: '192.168.0.1', createdAt: new Date('2026-05-03T04:00:00Z') });
    const d = await attempt(t.db, { userId: v.id, ipAddress: '10.9.1.50', createdAt: new Date('2026-05-02T02:00:00Z') });

    const get = async (qs: string) => ids((await admin.agent.get(`/admin/logins?${qs}`).expect(200)).text);
    expect(await get('user=-filter%40')).toEqual([c.id, b.id, a.id, d.id]);
    // A name matches too.
    expect(await get('user=Signe+Filter')).toEqual([b.id, a.id]);
    expect(await get('user=-filter%40&success=no')).toEqual([c.id, b.id]);
    expect(await get('user=-filter%40&success=yes')).toEqual([a.id, d.id]);
    expect(await get(`userId=${v.id}`)).toEqual([c.id, d.id]);
    expect(await get('ip=10.9.1.')).toEqual([a.id, d.id]);
    // A % or _ in the address is taken literally.
    expect(await get('ip=10.9.1%25')).toEqual([]);
    expect(await get('user=-filter%40&from=2026-05-02&to=2026-05-02')).toEqual([b.id, a.id]);
    expect(await get('user=-filter%40&sort=ipAddress&dir=asc')).toEqual([a.id, d.id, b.id, c.id]);
    // Bad values are dropped.
    expect(await get('user=-filter%40&success=maybe&userId=x&from=yesterday&sort=email')).toEqual([c.id, b.id, a.id, d.id]);
    const page = await admin.agent.get(`/admin/logins?userId=${v.id}&success=no`).expect(200);
    expect(page.text).toContain('<option value="no" selected>Failed</option>');
    expect(page.text).toContain('Only the sign-ins of <a href="/admin/users/' + v.id + '">other-filter@example.test</a>');
    expect(rowOf(page.text, c.id)).toContain('banned');
  });

  it('shows a forged user agent and reason as text, and the CSV neutralises a formula', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const u = await createUser(t.db, { email: 'forged-login@example.test' });
    const r = await attempt(t.db, { userId: u.id, success: false, failureReason: '<script>alert(1)</script>', userAgent: '"><script>alert(2)</script>', ipAddress: '=1+2', city: '<b>Town</b>' });
    const page = await admin.agent.get(`/admin/logins?userId=${u.id}`).expect(200);
    expect(page.text).not.toContain('<script>alert');
    expect(rowOf(page.text, r.id)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rowOf(page.text, r.id)).toContain('title="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"');
    expect(rowOf(page.text, r.id)).toContain('&lt;b&gt;Town&lt;/b&gt;');

    const csv = await admin.agent.get(`/admin/logins?userId=${u.id}&format=csv`).expect(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="sign-ins.csv"');
    const lines = csvLines(csv.text);
    expect(lines[0]).toBe('id,at,user id,email,success,failure reason,ip,device,user agent,country,city');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=1+2"`);
  });

  it('with 10,000 attempts: the same number of queries as with a few, within the page budget, in well under a second; the CSV streams all of them', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const u = await createUser(t.db, { email: 'bulk-login@example.test' });
    await attempt(t.db, { userId: u.id, ipAddress: '10.1.0.1' });
    const pages = ['/admin/logins', '/admin/logins?success=no', '/admin/logins?user=bulk&ip=10.1.&sort=ipAddress', `/admin/logins?userId=${u.id}&from=2020-01-01&to=2099-12-31`];
    const few = [];
    for (const path of pages) few.push((await countQueries(t.db, () => admin.agent.get(path).expect(200))).count);
    await seedLogins(t.db, 10_000, u.id);
    for (const [i, path] of pages.entries()) await expectBudget(t.db, admin.agent, path, few[i]!);
    const started = Date.now();
    const csv = await admin.agent.get(`/admin/logins?userId=${u.id}&format=csv`).expect(200);
    console.info(`[budget] /admin/logins CSV of 10,001 rows: ${Date.now() - started} ms`);
    expect(csvLines(csv.text)).toHaveLength(10_002);
  });
});
