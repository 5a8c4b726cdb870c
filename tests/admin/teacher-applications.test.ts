import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * /admin/teacher-applications on the admin table: filters by applicant and date sent, sorting by
 * the review, the CSV, and a refused rejection answered with the table it came from.
 * (Applying, approving and rejecting: tests/teaching/applications.test.ts.)
 */

const PATH = '/admin/teacher-applications';
const data = (subjects: string) => JSON.stringify({ experience: 'Years of tutoring.', subjects, motivation: 'To teach more people.', sampleLink: 'https://videos.example/s' });

/** The `<tr>` of one application in the table's HTML ('' when it is not on the page). */
function rowOf(html: string, id: string): string {
  const start = html.indexOf(`<tr id="application-${id}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
}

function reject(who: SignedIn, id: string, reason: string, referer?: string) {
  const req = who.agent.post(`${PATH}/${id}/reject`).type('form');
  if (referer) req.set('Referer', `http://127.0.0.1${referer}`);
  return req.send({ reason, _csrf: who.csrf });
}

describe('admin teacher applications table', () => {
  const t = useTestApp();

  async function apply(firstName: string, email: string, overrides: { status?: 'Pending' | 'Approved' | 'Rejected'; createdAt?: Date; reviewedAt?: Date; reviewedBy?: string; rejectionReason?: string } = {}) {
    const user = await createUser(t.db, { firstName, lastName: 'Applicant', email });
    return t.db.insertInto('teacherApplication').values({ userId: user.id, applicationData: data(`${firstName} subjects`), ...overrides }).returningAll().executeTakeFirstOrThrow();
  }

  it('filters by applicant (any part of the name or address) and date sent; the status tabs keep the other filters', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await apply('Quillon', 'q.one@school.example', { createdAt: new Date('2026-03-10T12:00:00Z') });
    await apply('Rosamund', 'quillon.fan@example.test', { createdAt: new Date('2026-03-20T12:00:00Z') });
    await apply('Sebold', 'sebold@example.test', { createdAt: new Date('2026-03-10T12:00:00Z') });

    const byName = await admin.agent.get(`${PATH}?user=QUILLON`).expect(200);
    expect(byName.text).toContain('Quillon Applicant');
    expect(byName.text).toContain('Rosamund Applicant');
    expect(byName.text).not.toContain('Sebold Applicant');
    expect(byName.text).toContain('2 applications');
    expect(byName.text).toContain('name="user" value="QUILLON"');
    expect(byName.text).toContain(`href="${PATH}?sort=createdAt&amp;dir=desc&amp;status=all&amp;user=QUILLON"`);

    const byDay = await admin.agent.get(`${PATH}?user=quillon&from=2026-03-15&to=2026-03-31`).expect(200);
    expect(byDay.text).toContain('Rosamund Applicant');
    expect(byDay.text).not.toContain('Quillon Applicant');

    const none = await admin.agent.get(`${PATH}?user=nobody-at-all`).expect(200);
    expect(none.text).toContain('No pending applications match these filters.');
    // Bad values fall back, never an error.
    await admin.agent.get(`${PATH}?from=2026-02-31x&to=yesterday&user=${'x'.repeat(300)}`).expect(200);
  });

  it('sorts by the review date, the never-reviewed last either way', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const reviewer = await createUser(t.db, { role: 'admin', firstName: 'Rev' });
    await apply('Ulrike', 'ulrike@sorting.example', { status: 'Approved', reviewedAt: new Date('2026-04-01T00:00:00Z'), reviewedBy: reviewer.id });
    await apply('Viggo', 'viggo@sorting.example', { status: 'Rejected', reviewedAt: new Date('2026-05-01T00:00:00Z'), reviewedBy: reviewer.id, rejectionReason: 'Too short' });
    await apply('Wanda', 'wanda@sorting.example');
    const order = (html: string) => ['Ulrike', 'Viggo', 'Wanda'].map((n) => html.indexOf(`${n} Applicant`));

    const down = await admin.agent.get(`${PATH}?status=all&user=sorting.example&sort=reviewedAt&dir=desc`).expect(200);
    const [u, v, w] = order(down.text);
    expect(v).toBeLessThan(u!);
    expect(u).toBeLessThan(w!);
    const up = await admin.agent.get(`${PATH}?status=all&user=sorting.example&sort=reviewedAt&dir=asc`).expect(200);
    const [u2, v2, w2] = order(up.text);
    expect(u2).toBeLessThan(v2!);
    expect(v2).toBeLessThan(w2!);
  });

  it('the CSV: every application the filters select, plain columns, a formula neutralised', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const reviewer = await createUser(t.db, { role: 'admin', email: 'reviewer@csvapps.example' });
    for (let i = 0; i < 22; i++) await apply(`Csv${i}`, `csv-${i}@csvapps.example`);
    const evil = await apply('=cmd|calc', 'evil@csvapps.example', { status: 'Rejected', reviewedAt: new Date('2026-06-01T08:00:00Z'), reviewedBy: reviewer.id, rejectionReason: '+no sample' });

    const page = await admin.agent.get(`${PATH}?status=all&user=csvapps`).expect(200);
    expect(page.text).toContain('23 applications');
    expect(page.text).toContain(`href="${PATH}?sort=createdAt&amp;dir=desc&amp;status=all&amp;user=csvapps&amp;format=csv"`);

    const csv = await admin.agent.get(`${PATH}?status=all&user=csvapps&format=csv`).expect(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="teacher-applications.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,applicant,email,role,subjects,experience,motivation,sample link,status,sent at,reviewed at,reviewed by,rejection reason');
    expect(lines).toHaveLength(24);
    const row = lines.find((l) => l.startsWith(evil.id))!;
    expect(row).toContain(`"'=cmd|calc Applicant",evil@csvapps.example,student,"'=cmd|calc subjects"`);
    expect(row).toContain(`,Rejected,`);
    expect(row).toContain(`,2026-06-01T08:00:00.000Z,reviewer@csvapps.example,"'+no sample"`);
    // Only the Pending ones with the default status.
    const pending = await admin.agent.get(`${PATH}?user=csvapps&format=csv`).expect(200);
    expect(pending.text.trim().split('\n')).toHaveLength(23);
  });

  it('a rejection without a reason is 422 with the table it came from (filters, sort, page), the message and what was typed; nothing changes', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const a = await apply('Xenia', 'xenia@refused.example');
    const from = `${PATH}?user=refused.example&sort=createdAt&dir=asc`;

    const res = await reject(admin, a.id, 'no', from);
    expect(res.status).toBe(422);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toContain('name="user" value="refused.example"');
    const row = rowOf(res.text, a.id);
    expect(row).toContain('Give the applicant a reason of a few words at least.');
    expect(row).toContain('aria-invalid="true"');
    expect(row).toContain('value="no"');
    expect((await t.db.selectFrom('teacherApplication').select('status').where('id', '=', a.id).executeTakeFirstOrThrow()).status).toBe('Pending');

    // From elsewhere (or nowhere): the default table.
    const elsewhere = await reject(admin, a.id, '', 'https://evil.example/admin/teacher-applications?user=zzz');
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.text).toContain('name="user" value=""');

    // With a reason it goes back to the table as it was.
    const done = await reject(admin, a.id, 'Please add a sample lesson.', from);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(from);
    // A bad id is 404, with or without a reason.
    await reject(admin, 'nope', '').expect(404);
  });
});
