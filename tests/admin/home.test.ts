import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createPost, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

describe('the admin home', () => {
  const t = useTestApp();

  it('counts what needs attention, each linking to its table; one query; within the page budget', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const applicant = await createUser(t.db);
    await t.db.insertInto('teacherApplication').values({ userId: applicant.id, applicationData: JSON.stringify({ experience: 'Ten years' }), status: 'Pending' }).execute();
    await createPost(t.db, { authorId: applicant.id, status: 'Pending', isDraft: false });
    await t.db.insertInto('errorLog').values({ errorType: 'TypeError', message: 'x is undefined', occurrences: 3, lastSeenAt: new Date() }).execute();
    await t.db.insertInto('errorLog').values({ errorType: 'Old', message: 'long ago', occurrences: 9, lastSeenAt: new Date(Date.now() - 3 * 86_400_000) }).execute();
    await createUser(t.db, { banned: true, banReason: 'spam' });
    // Open help requests: Pending and InProgress (Resolved and Closed need no one).
    for (const status of ['Pending', 'InProgress', 'InProgress', 'Resolved', 'Closed'] as const) {
      await t.db.insertInto('helpRequest').values({ userId: applicant.id, subject: 'Help', message: 'Please', userType: 'Student', status }).execute();
    }

    const { result: res, queries } = await countQueries(t.db, () => admin.agent.get('/admin').expect(200));
    expect(queries.filter((q) => q.includes('teacher_application'))).toHaveLength(1);
    const text = res.text.replace(/\s+/g, ' ');
    expect(text).toContain('<a href="/admin/teacher-applications?status=Pending"><strong>1</strong> teacher application waiting</a>');
    expect(text).toContain('<strong>1</strong> blog post waiting for moderation');
    expect(text).toContain('<strong>3</strong> errors in the last 24 hours');
    expect(text).toContain('<strong>1</strong> banned user</a>');
    expect(text).toContain('<a href="/admin/help"><strong>3</strong> open help requests</a>');
    expect(queries.filter((q) => q.includes('help_request'))).toHaveLength(1);
    expectWithinPageBudget(res);
  });

  it('is the same 404 as a missing page for students and teachers', async () => {
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin').expect(404);
    }
  });
});
