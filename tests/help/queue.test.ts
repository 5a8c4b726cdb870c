import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createAdmin, createTeacher, createUser } from '../setup/factories.ts';
import { createHelpRequest } from '../setup/help-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** /admin/help: the queue on the admin table (issue 18). */

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
const idsIn = (html: string) => [...html.matchAll(/<a href="\/admin\/help\/([0-9a-f-]{36})">/g)].map((m) => m[1]);

describe('the admin help queue', () => {
  const t = useTestApp();

  it('shows open requests, oldest Pending first, then InProgress; counts per status; filters by status, user type, age and text; sorts; CSV', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const student = await createUser(t.db, { email: 'ana.student@example.test' });
    const teacher = await createTeacher(t.db, { email: 'tom.teacher@example.test' });
    const otherAdmin = await createAdmin(t.db);
    const pendingNew = await createHelpRequest(t.db, { userId: student.id, subject: 'Quiz broken', createdAt: daysAgo(0.5) });
    const pendingOld = await createHelpRequest(t.db, { userId: teacher.id, userType: 'Teacher', subject: 'Payout question', createdAt: daysAgo(4) });
    const inProgressOld = await createHelpRequest(t.db, { userId: student.id, status: 'InProgress', subject: 'Video stutters', createdAt: daysAgo(10), assignedAdminId: otherAdmin.id });
    const resolved = await createHelpRequest(t.db, { userId: student.id, status: 'Resolved', subject: '=HYPERLINK("http://evil.example")', createdAt: daysAgo(2) });
    const closed = await createHelpRequest(t.db, { userId: otherAdmin.id, userType: 'Admin', status: 'Closed', subject: 'Old thing', createdAt: daysAgo(20) });

    const page = await admin.agent.get('/admin/help').expect(200);
    expect(idsIn(page.text)).toEqual([pendingOld.id, pendingNew.id, inProgressOld.id]);
    const tabs = page.text.replace(/\s+/g, ' ');
    for (const tab of ['Open (3)', 'Pending (2)', 'In progress (1)', 'Resolved (1)', 'Closed (1)', 'All (5)']) expect(tabs).toContain(`${tab}</a>`);
    expect(page.text).toContain('aria-current="page">Help desk</a>');
    expect(page.text).toContain(`<a href="/admin/users/${teacher.id}">`);

    const get = async (query: string) => idsIn((await admin.agent.get(`/admin/help?${query}`).expect(200)).text);
    expect(await get('status=Pending')).toEqual([pendingOld.id, pendingNew.id]);
    expect(await get('status=Closed')).toEqual([closed.id]);
    expect(await get('status=all&type=Teacher')).toEqual([pendingOld.id]);
    expect(await get('status=all&older=3')).toEqual([pendingOld.id, inProgressOld.id, closed.id]);
    expect(await get('status=all&older=1&type=Student')).toEqual([inProgressOld.id, resolved.id]);
    expect(await get('status=all&q=VIDEO')).toEqual([inProgressOld.id]);
    expect(await get('status=all&q=tom.teacher')).toEqual([pendingOld.id]);
    expect(await get('status=all&sort=created&dir=desc')).toEqual([pendingNew.id, resolved.id, pendingOld.id, inProgressOld.id, closed.id]);
    // A bad value falls back, never an error.
    expect(await get('status=Nope&type=Robot&older=99&sort=x&dir=up')).toEqual([pendingOld.id, pendingNew.id, inProgressOld.id]);
    // The counts follow the other filters.
    const students = (await admin.agent.get('/admin/help?type=Student').expect(200)).text.replace(/\s+/g, ' ');
    expect(students).toContain('Open (2)</a>');
    expect(students).toContain('All (3)</a>');

    const csv = await admin.agent.get('/admin/help?format=csv&status=all&sort=created&dir=asc').expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,subject,requester,email,user type,status,assigned to,opened at,last activity at,answered at');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain(closed.id);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv.text).toContain(otherAdmin.email);
  });

  it('within the page budget with the same queries for 5 and 50 requests', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const seed = (from: number, to: number) =>
      sql`
        insert into help_request (user_id, subject, message, user_type, status, created_at)
        select ${admin.user.id}::uuid, 'A question number ' || i || ' about a lesson that does not open on my phone', 'Help', 'Admin',
               (case i % 2 when 0 then 'Pending' else 'InProgress' end)::"HelpRequestStatus", now() - i * interval '1 hour'
        from generate_series(${from}::int, ${to}::int) i`.execute(t.db);
    await seed(1, 5);
    const few = await countQueries(t.db, () => admin.agent.get('/admin/help').expect(200));
    await seed(6, 50);
    const many = await countQueries(t.db, () => admin.agent.get('/admin/help').expect(200));
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
  });

  it('counts open help requests on the admin home', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const res = await admin.agent.get('/admin').expect(200);
    const open = Number((await sql<{ n: number }>`select count(*)::int as n from help_request where status in ('Pending', 'InProgress')`.execute(t.db)).rows[0]!.n);
    expect(res.text.replace(/\s+/g, ' ')).toContain(`<a href="/admin/help"><strong>${open}</strong> open help request${open === 1 ? '' : 's'}</a>`);
  });
});
