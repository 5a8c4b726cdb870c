import { describe, expect, it } from 'vitest';
import { MAIL_TOPICS } from '../../src/features/notifications/notify.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createPost } from '../setup/factories.ts';
import { readOutbox, waitForMailTo } from '../setup/outbox.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const t = useTestApp();

/** The topics whose "Email me" box is ticked on the page. */
const tickedOn = (html: string) => [...html.matchAll(/<input type="checkbox" name="email" value="(\w+)"[^>]*?( checked)?>/g)].filter((m) => m[2]).map((m) => m[1]);
const rowsOf = (userId: string) =>
  t.db.selectFrom('notificationPreference').select(['topic', 'email']).where('userId', '=', userId).orderBy('topic').execute();
const outboxRowsOf = (userId: string) => t.db.selectFrom('mailOutbox').select(['id', 'subject']).where('userId', '=', userId).execute();
const save = (who: SignedIn, topics: string[]) =>
  who.agent
    .post('/account/notifications')
    .type('form')
    .send([...topics.map((topic) => `email=${topic}`), `_csrf=${encodeURIComponent(who.csrf)}`].join('&'));

describe('notification mail preferences', () => {
  it('shows the defaults to someone who never chose, and says the inbox always shows everything', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const page = await me.agent.get('/account/notifications').expect(200);
    expect(tickedOn(page.text)).toEqual(['AdminReply', 'BlogApproved', 'BlogRejected', 'AssignmentGraded', 'UrgentAnnouncement', 'SuperAdminInvitation', 'HelpRequestReply', 'CourseReminder']);
    expect(page.text).toContain('always show everything; only mail is a choice');
    expect(page.text).toContain('You have not chosen yet: the boxes show the defaults.');
    expect(page.text).toContain('Replies from the Edupeak team');
    expect(page.text).toContain('Urgent announcements');
    expect(page.text).toContain('<a href="/account/notifications" aria-current="page">Notifications</a>');
    expect(await rowsOf(me.user.id)).toEqual([]);
  });

  it('saving writes a row for every topic (303, "Saved"), and the page shows what was chosen', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const res = await save(me, ['CommentReceived', 'AssignmentGraded', 'NoSuchTopic']).expect(303);
    expect(res.headers.location).toBe('/account/notifications');
    const rows = await rowsOf(me.user.id);
    expect(rows).toHaveLength(MAIL_TOPICS.length);
    expect(rows.filter((r) => r.email).map((r) => r.topic).sort()).toEqual(['AssignmentGraded', 'CommentReceived']);
    const page = await me.agent.get('/account/notifications').expect(200);
    expect(page.text).toContain('Saved.');
    expect(tickedOn(page.text)).toEqual(['AssignmentGraded', 'CommentReceived']);
    expect(page.text).not.toContain('You have not chosen yet');
    // Nothing ticked: no mail at all, still a row each.
    await save(me, []).expect(303);
    expect((await rowsOf(me.user.id)).filter((r) => r.email)).toEqual([]);
  });

  it('input that is not a list of names is refused with 422 and the boxes as ticked', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const res = await save(me, ['BlogApproved', 'x'.repeat(60)]).expect(422);
    expect(res.text).toContain('Tick the boxes of the mails you want.');
    expect(tickedOn(res.text)).toEqual(['BlogApproved']);
    expect(await rowsOf(me.user.id)).toEqual([]);
    await t.request().post('/account/notifications').type('form').send('email=BlogApproved').expect((r) => expect([303, 403]).toContain(r.status));
  });

  it('a BlogApproved for an author who turned it off queues no mail; one who kept it gets exactly one', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const off = await signedInAs(t.app, t.db, 'student', { email: `off-${Date.now()}@example.test` });
    const kept = await signedInAs(t.app, t.db, 'student', { email: `kept-${Date.now()}@example.test` });
    await save(off, MAIL_TOPICS.filter((topic) => topic !== 'BlogApproved')).expect(303);
    const offPost = await createPost(t.db, { authorId: off.user.id, status: 'Pending', title: 'Quiet one' });
    const keptPost = await createPost(t.db, { authorId: kept.user.id, status: 'Pending', title: 'Loud one' });

    await admin.post(`/admin/blog/${offPost.id}/approve`).expect(303);
    await admin.post(`/admin/blog/${keptPost.id}/approve`).expect(303);

    expect(await outboxRowsOf(off.user.id)).toEqual([]);
    expect(await outboxRowsOf(kept.user.id)).toEqual([expect.objectContaining({ subject: 'Published: Loud one' })]);
    const mail = await waitForMailTo(t.config.dataDir, kept.user.email, 'Published: Loud one');
    expect(mail.text).toContain('"Loud one" was approved and is on the blog now.');
    expect(mail.links).toContain(`http://edupeak.test/blog/${keptPost.slug}`);
    expect(mail.links).toContain('http://edupeak.test/account/notifications');
    // Both are in their inboxes all the same.
    for (const who of [off, kept]) {
      const notes = await t.db.selectFrom('notification').select('type').where('userId', '=', who.user.id).execute();
      expect(notes).toEqual([{ type: 'BlogApproved' }]);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const mails = await readOutbox(t.config.dataDir);
    expect(mails.filter((m) => m.to.includes(kept.user.email))).toHaveLength(1);
    expect(mails.filter((m) => m.to.includes(off.user.email))).toHaveLength(0);
  });

  it('an admin\'s default in system_config applies to people with no row, never to those who chose', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const chose = await signedInAs(t.app, t.db, 'student');
    const never = await signedInAs(t.app, t.db, 'student');
    await save(chose, ['BlogApproved']).expect(303);
    await t.db
      .insertInto('systemConfig')
      .values({ key: 'notifications.mailDefaults', value: JSON.stringify({ BlogApproved: false, PointsEarned: true }) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify({ BlogApproved: false, PointsEarned: true }) }))
      .execute();
    try {
      const page = await never.agent.get('/account/notifications').expect(200);
      expect(tickedOn(page.text)).not.toContain('BlogApproved');
      expect(tickedOn(page.text)).toContain('PointsEarned');
      expect(tickedOn(page.text)).toContain('AdminReply');
      expect(tickedOn((await chose.agent.get('/account/notifications').expect(200)).text)).toEqual(['BlogApproved']);

      const neverPost = await createPost(t.db, { authorId: never.user.id, status: 'Pending' });
      const chosePost = await createPost(t.db, { authorId: chose.user.id, status: 'Pending' });
      await admin.post(`/admin/blog/${neverPost.id}/approve`).expect(303);
      await admin.post(`/admin/blog/${chosePost.id}/approve`).expect(303);
      expect(await outboxRowsOf(never.user.id)).toEqual([]);
      expect(await outboxRowsOf(chose.user.id)).toHaveLength(1);
    } finally {
      await t.db.deleteFrom('systemConfig').where('key', '=', 'notifications.mailDefaults').execute();
    }
  });

  it('the page stays within the budget with a fixed number of queries (chosen or not)', async () => {
    const fresh = await signedInAs(t.app, t.db, 'student');
    const chose = await signedInAs(t.app, t.db, 'student');
    await save(chose, ['BlogApproved']).expect(303);
    await chose.agent.get('/account/notifications');
    const a = await countQueries(t.db, () => fresh.agent.get('/account/notifications').expect(200));
    const b = await countQueries(t.db, () => chose.agent.get('/account/notifications').expect(200));
    expect(b.count).toBe(a.count);
    expectWithinPageBudget(a.result);
  });
});
