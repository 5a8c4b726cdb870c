import { beforeEach, describe, expect, it } from 'vitest';
import { REASON_NEEDED } from '../../src/features/enrollments/service.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/** POST /admin/enrollments/:id/status: every change through the enrollments service, with its audit row. */

/** The `<tr>` of one enrollment in the table's HTML ('' when it is not on the page). */
function rowOf(html: string, enrollmentId: string): string {
  const start = html.indexOf(`<tr id="e-${enrollmentId}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
}

/** A form post as a browser sends it, from the table at `referer`. */
function post(who: SignedIn, id: string, fields: Record<string, string>, referer?: string) {
  const req = who.agent.post(`/admin/enrollments/${id}/status`).type('form');
  if (referer) req.set('Referer', `http://127.0.0.1${referer}`);
  return req.send({ ...fields, _csrf: who.csrf });
}

describe('admin enrollments: status changes', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  const statusOf = async (id: string) => (await t.db.selectFrom('enrollment').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const auditOf = (id: string) => t.db.selectFrom('activityLog').selectAll().where('entityId', '=', id).orderBy('createdAt').orderBy('id').execute();

  /** A Pending enrollment of a paid course, with no payment that went through. */
  async function unpaid(title = 'Unpaid Course') {
    const user = await createUser(t.db, { email: `unpaid-${Math.random().toString(36).slice(2)}@example.test` });
    const course = await createCourse(t.db, { title, price: 4900 });
    return createEnrollment(t.db, { userId: user.id, courseId: course.id, status: 'Pending', amount: 4900 });
  }

  it('activating an unpaid enrollment without a reason is 422: the table again, as it was, with the message beside the row; nothing changes', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const e = await unpaid('Reasonless Course');
    const from = '/admin/enrollments?status=Pending&course=Reasonless&sort=amount&dir=asc';

    const page = await admin.agent.get(from).expect(200);
    expect(rowOf(page.text, e.id)).toContain('Not paid: activating needs a reason.');
    expect(rowOf(page.text, e.id)).toContain('name="reason"');

    for (const reason of [undefined, '', '  ', 'no']) {
      const res = await post(admin, e.id, { status: 'Active', ...(reason === undefined ? {} : { reason }) }, from);
      expect(res.status).toBe(422);
      const row = rowOf(res.text, e.id);
      expect(row).toContain(REASON_NEEDED);
      expect(row).toContain('aria-invalid="true"');
      expect(res.text).toContain('role="alert"');
      // The table the form came from: its filters and sort kept.
      expect(res.text).toContain('name="course" value="Reasonless"');
      expect(res.text).toMatch(/<option value="Pending" selected>Pending<\/option>/);
      if (reason) expect(row).toContain(`value="${reason}"`);
    }
    // Too long: refused the same way, and what was typed comes back.
    const long = await post(admin, e.id, { status: 'Active', reason: 'x'.repeat(501) }, from);
    expect(long.status).toBe(422);
    expect(rowOf(long.text, e.id)).toContain('Keep the reason to 500 characters.');
    expect(rowOf(long.text, e.id)).toContain(`value="${'x'.repeat(501)}"`);

    expect(await statusOf(e.id)).toBe('Pending');
    expect(await auditOf(e.id)).toEqual([]);
  });

  it('with a reason it activates; the audit row keeps who, from where, from, to and the reason', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const e = await unpaid();
    const from = '/admin/enrollments?status=Pending';
    const res = await post(admin, e.id, { status: 'Active', reason: '  Paid by bank transfer <ref 77> ' }, from);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(from);
    expect(await statusOf(e.id)).toBe('Active');
    const log = await auditOf(e.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'enrollment_status_changed', userId: admin.user.id, entityType: 'enrollment' });
    expect(log[0]!.ipAddress).toBeTruthy();
    expect(log[0]!.userAgent).toContain('Firefox');
    expect(log[0]!.metadata).toMatchObject({ from: 'Pending', to: 'Active', reason: 'Paid by bank transfer <ref 77>', paidOrFree: false, courseId: e.courseId, studentId: e.userId });
    expect((await admin.agent.get(from)).text).toContain('Enrollment activated.');
  });

  it('every change writes one row (from, to, reason); the same status again writes none and says so', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 1200 });
    const e = await createEnrollment(t.db, { userId: user.id, courseId: course.id, status: 'Active', amount: 1200 });
    await t.db.insertInto('paymentTransaction').values({ enrollmentId: e.id, amount: 1200, status: 'Completed' }).execute();

    await post(admin, e.id, { status: 'Cancelled', reason: 'Asked by the student' }).expect(303);
    // Paid: activating again needs no reason.
    await post(admin, e.id, { status: 'Active', reason: '' }).expect(303);
    const again = await post(admin, e.id, { status: 'Active' });
    expect(again.status).toBe(303);
    expect((await admin.agent.get(again.headers.location!)).text).toContain('This enrollment was active already.');
    const log = await auditOf(e.id);
    expect(log.map((r) => r.metadata)).toMatchObject([
      { from: 'Active', to: 'Cancelled', reason: 'Asked by the student', paidOrFree: true },
      { from: 'Cancelled', to: 'Active', reason: null, paidOrFree: true },
    ]);
    expect(await statusOf(e.id)).toBe('Active');
  });

  it('two admins at once: cancel twice makes one row; activate and cancel make two that chain', async () => {
    const [a, b] = [await signedInAs(t.app, t.db, 'admin'), await signedInAs(t.app, t.db, 'admin')];
    const e = await unpaid();
    await Promise.all([post(a, e.id, { status: 'Cancelled' }).expect(303), post(b, e.id, { status: 'Cancelled' }).expect(303)]);
    expect(await statusOf(e.id)).toBe('Cancelled');
    expect(await auditOf(e.id)).toHaveLength(1);

    const f = await unpaid();
    const [activate, cancel] = await Promise.all([post(a, f.id, { status: 'Active', reason: 'Scholarship' }), post(b, f.id, { status: 'Cancelled' })]);
    expect([activate.status, cancel.status]).toEqual([303, 303]);
    const moves = (await auditOf(f.id)).map((r) => r.metadata as { from: string; to: string });
    expect(moves).toHaveLength(2);
    // Whichever went first, the second started where the first ended, and the row holds the last.
    const [first, second] = moves[0]!.from === 'Pending' ? moves : [moves[1]!, moves[0]!];
    expect(first!.from).toBe('Pending');
    expect(second!.from).toBe(first!.to);
    expect(await statusOf(f.id)).toBe(second!.to);
  });

  it('a bad status or id is 404 and changes nothing', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const e = await unpaid();
    await post(admin, e.id, { status: 'Pending', reason: 'Because' }).expect(404);
    await post(admin, e.id, { status: 'Bogus' }).expect(404);
    await post(admin, '00000000-0000-4000-8000-000000000000', { status: 'Cancelled' }).expect(404);
    await post(admin, 'nope', { status: 'Cancelled' }).expect(404);
    expect(await statusOf(e.id)).toBe('Pending');
    expect(await auditOf(e.id)).toEqual([]);
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    await post(teacher, e.id, { status: 'Cancelled' }).expect(404);
    expect(await statusOf(e.id)).toBe('Pending');
  });

  it('a full page of rows with reason fields: a fixed number of queries, within the page budget', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const title = 'Budget Course With A Long Enough Title To Matter';
    await unpaid(title);
    const few = await countQueries(t.db, () => admin.agent.get('/admin/enrollments?course=Budget').expect(200));
    for (let i = 0; i < 24; i++) await unpaid(title);
    const many = await countQueries(t.db, () => admin.agent.get('/admin/enrollments?course=Budget').expect(200));
    expect(many.count, many.queries.join('\n')).toBe(few.count);
    expect(many.result.text.match(/<tr id="e-/g)).toHaveLength(20);
    expect(many.result.text.match(/Not paid: activating needs a reason\./g)).toHaveLength(20);
    expectWithinPageBudget(many.result);
  });

  it('the table as CSV: every row the filters select (not only the page), in the table\'s order, with a formula neutralised', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const course = await createCourse(t.db, { title: 'CSV Course', price: 1500 });
    const evil = await createUser(t.db, { firstName: '=HYPERLINK("http://evil.example")', lastName: 'X', email: 'csv-evil@example.test' });
    for (let i = 0; i < 24; i++) {
      const u = await createUser(t.db, { email: `csv-${i}@example.test` });
      await createEnrollment(t.db, { userId: u.id, courseId: course.id, status: 'Active', amount: 1500 });
    }
    await createEnrollment(t.db, { userId: evil.id, courseId: course.id, status: 'Active', amount: 1500 });

    const page = await admin.agent.get('/admin/enrollments?course=CSV+Course&sort=amount').expect(200);
    expect(page.text).toContain('href="/admin/enrollments?sort=amount&amp;dir=desc&amp;course=CSV+Course&amp;format=csv"');
    const csv = await admin.agent.get('/admin/enrollments?course=CSV+Course&sort=amount&format=csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="enrollments.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,student,email,course,amount,status,banned,enrolled at,last active at');
    expect(lines).toHaveLength(26);
    expect(lines.filter((l) => l.includes(',CSV Course,15.00,Active,no,'))).toHaveLength(25);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"") X"`);
  });
});
