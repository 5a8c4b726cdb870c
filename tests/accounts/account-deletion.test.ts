import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget, gzippedSize } from '../setup/budget.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { isSignedIn, newAgent, signIn } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { lastMailTo, linkPath, readOutbox } from '../setup/outbox.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, startSession } from '../setup/users.ts';

/**
 * "Delete my account" (issue 22), the person's side: the page, confirming by password or by a mailed
 * link, being signed out everywhere, the refusals (a teacher with students, the last admin), and
 * signing in during the grace, which keeps the account. The deletion itself: tests/jobs/delete-accounts.test.ts.
 */

const DAY = 86_400_000;

describe('deleting one’s account', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  const pendingSince = async (userId: string) =>
    (await t.db.selectFrom('user').select('deletionRequestedAt').where('id', '=', userId).executeTakeFirstOrThrow()).deletionRequestedAt;
  const sessionsOf = async (userId: string) => (await t.db.selectFrom('session').select('id').where('userId', '=', userId).execute()).length;

  it('explains what happens, within the page budget, in a fixed number of queries', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const page = await me.agent.get('/account/delete').expect(200);
    const size = expectWithinPageBudget(page);
    expect(size).toBeLessThan(6 * 1024);
    expect(page.text).toContain('For 7 days nothing is removed: sign in during them and the deletion is cancelled.');
    expect(page.text).toContain('Payment records are kept for accounting');
    expect(page.text).toContain('Your certificates stop verifying');
    expect(page.text).toMatch(/<input id="f-password" name="password" type="password"/);
    expect(page.text).toContain('href="/account/data"');

    // A teacher's page lists every course that blocks them: the same queries for 1 course as for 8.
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const addBlockedCourse = async () => createEnrollment(t.db, { courseId: (await createCourse(t.db, { userId: teacher.user.id })).id });
    await addBlockedCourse();
    await teacher.agent.get('/account/delete').expect(200);
    const one = await countQueries(t.db, () => teacher.agent.get('/account/delete').expect(200));
    for (let i = 0; i < 7; i++) await addBlockedCourse();
    const eight = await countQueries(t.db, () => teacher.agent.get('/account/delete').expect(200));
    expect(eight.count).toBe(one.count);
    expect(eight.result.text.match(/student<\/li>|students<\/li>/g)).toHaveLength(8);
    expectWithinPageBudget(eight.result);
    console.info(`/account/delete: ${size} bytes gzipped (student), ${gzippedSize(eight.result.text)} (teacher, 8 blocking courses); ${one.count} queries`);
  });

  it('refuses a wrong password (422, said on the form) and changes nothing', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const page = await me.agent.get('/account/delete');
    const res = await me.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: 'not my password' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('That is not your password. Nothing was changed.');
    expect(res.text).toContain('aria-invalid="true"');
    expect(await pendingSince(me.user.id)).toBeNull();
    expect(await isSignedIn(me.agent)).toBe(true);
    const empty = await me.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: '' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Type your password to confirm.');
    expect(await t.db.selectFrom('activityLog').select('id').where('userId', '=', me.user.id).where('action', '=', 'account_deletion_requested').execute()).toHaveLength(0);
  });

  it('confirmed by password: deletion in 7 days, signed out on every device, recorded, and mailed', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    // The same person on a phone too.
    const phone = newAgent(t.app);
    await startSession(phone, t.db, me.user);
    expect(await isSignedIn(phone)).toBe(true);
    expect(await sessionsOf(me.user.id)).toBe(2);

    const page = await me.agent.get('/account/delete');
    const before = Date.now();
    const res = await me.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: me.user.password });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');

    const since = await pendingSince(me.user.id);
    expect(since).not.toBeNull();
    expect(new Date(since!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await sessionsOf(me.user.id)).toBe(0);
    const home = await me.agent.get('/');
    expect(home.text).not.toContain('Signed in as');
    expect(home.text).toContain('Your account will be deleted on');
    expect(home.text).toContain('sign in before then to keep your account');
    expect(await isSignedIn(phone)).toBe(false);

    const audit = await t.db.selectFrom('activityLog').selectAll().where('userId', '=', me.user.id).where('action', '=', 'account_deletion_requested').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ entityType: 'user', entityId: me.user.id });
    expect(audit.metadata).toMatchObject({ via: 'password' });
    expect(new Date((audit.metadata as { deleteAfter: string }).deleteAfter).getTime()).toBe(new Date(since!).getTime() + 7 * DAY);

    const mail = await lastMailTo(t.config.dataDir, me.user.email);
    expect(mail.subject).toBe('Your Edupeak account will be deleted');
    expect(mail.text).toContain('Your Edupeak account will be deleted on');
    expect(mail.text).toContain('Sign in before then to keep it');
    expect(linkPath(mail, '/auth/login')).toBe('/auth/login');
  });

  it('writes the mail in the person’s language', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    await t.db.updateTable('user').set({ language: 'es' }).where('id', '=', me.user.id).execute();
    const page = await me.agent.get('/account/delete');
    await me.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: me.user.password }).expect(303);
    const mail = await lastMailTo(t.config.dataDir, me.user.email);
    expect(mail.subject).not.toBe('Your Edupeak account will be deleted');
    expect(mail.html).toContain('lang="es"');
  });

  it('signing in during the grace keeps the account, with a word to say so', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const page = await me.agent.get('/account/delete');
    await me.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: me.user.password }).expect(303);
    // Six days later (the grace is 7).
    await t.db.updateTable('user').set({ deletionRequestedAt: new Date(Date.now() - 6 * DAY) }).where('id', '=', me.user.id).execute();

    const agent = newAgent(t.app);
    await signIn(agent, me.user.email, me.user.password);
    const home = await agent.get('/');
    expect(home.text).toContain('Signed in as');
    expect(home.text).toContain('Welcome back: your account will not be deleted.');
    expect(await pendingSince(me.user.id)).toBeNull();
    const audit = await t.db.selectFrom('activityLog').selectAll().where('userId', '=', me.user.id).where('action', '=', 'account_deletion_cancelled').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.metadata).toMatchObject({ via: 'sign-in' });

    // An ordinary sign-in later says nothing of it.
    const again = newAgent(t.app);
    await signIn(again, me.user.email, me.user.password);
    expect((await again.get('/')).text).not.toContain('Welcome back: your account will not be deleted.');
  });

  describe('without a password (signed up with Google or GitHub)', () => {
    async function providerOnly() {
      const me = await signedInAs(t.app, t.db, 'student');
      await t.db.deleteFrom('account').where('userId', '=', me.user.id).execute();
      await t.db.insertInto('account').values({ userId: me.user.id, providerId: 'google', accountId: `google-${me.user.id}` }).execute();
      return me;
    }

    it('confirms by a mailed link: the link’s page changes nothing, its button does', async () => {
      const me = await providerOnly();
      const page = await me.agent.get('/account/delete').expect(200);
      expect(page.text).toContain('Send me a confirmation link');
      expect(page.text).not.toContain('name="password"');
      expectWithinPageBudget(page);

      const sent = await me.agent.post('/account/delete/link').type('form').send({ _csrf: csrfTokenOf(page.text) });
      expect(sent.status).toBe(303);
      expect((await me.agent.get('/account/delete')).text).toContain('We sent a confirmation link to');
      const mail = await lastMailTo(t.config.dataDir, me.user.email);
      expect(mail.subject).toBe('Confirm the deletion of your Edupeak account');
      const link = linkPath(mail, '/account/delete/confirm');

      // A mail scanner following the link (twice) changes nothing.
      const shown = await me.agent.get(link).expect(200);
      await me.agent.get(link).expect(200);
      expectWithinPageBudget(shown);
      expect(shown.text).toContain('Delete my account');
      expect(await pendingSince(me.user.id)).toBeNull();

      const confirmed = await me.agent.post('/account/delete/confirm').type('form').send({ _csrf: csrfTokenOf(shown.text), token: new URL(link, 'http://x').searchParams.get('token') });
      expect(confirmed.status).toBe(303);
      expect(await pendingSince(me.user.id)).not.toBeNull();
      expect(await sessionsOf(me.user.id)).toBe(0);
      const audit = await t.db.selectFrom('activityLog').select('metadata').where('userId', '=', me.user.id).where('action', '=', 'account_deletion_requested').executeTakeFirstOrThrow();
      expect(audit.metadata).toMatchObject({ via: 'link' });
      expect((await lastMailTo(t.config.dataDir, me.user.email)).subject).toBe('Your Edupeak account will be deleted');
    });

    it('refuses a used, foreign or made-up link (400) and changes nothing', async () => {
      const me = await providerOnly();
      const other = await providerOnly();
      const page = await other.agent.get('/account/delete');
      await other.agent.post('/account/delete/link').type('form').send({ _csrf: csrfTokenOf(page.text) }).expect(303);
      const othersLink = linkPath(await lastMailTo(t.config.dataDir, other.user.email), '/account/delete/confirm');
      const othersToken = new URL(othersLink, 'http://x').searchParams.get('token')!;

      // Someone else's link, opened while signed in as me: not valid for me.
      expect((await me.agent.get(othersLink)).status).toBe(400);
      const mine = await me.agent.get('/account/delete');
      const foreign = await me.agent.post('/account/delete/confirm').type('form').send({ _csrf: csrfTokenOf(mine.text), token: othersToken });
      expect(foreign.status).toBe(400);
      expect(foreign.text).toContain('This confirmation link is not valid');
      expect(await pendingSince(me.user.id)).toBeNull();
      expect(await pendingSince(other.user.id)).toBeNull();
      // ... and it was not spent: its owner can still use it.
      const shown = await other.agent.get(othersLink).expect(200);
      await other.agent.post('/account/delete/confirm').type('form').send({ _csrf: csrfTokenOf(shown.text), token: othersToken }).expect(303);
      expect(await pendingSince(other.user.id)).not.toBeNull();

      const madeUp = await me.agent.get('/account/delete/confirm?token=00000000-0000-4000-8000-000000000000.nope');
      expect(madeUp.status).toBe(400);
    });

    it('someone with a password confirms with it, not by mail', async () => {
      const me = await signedInAs(t.app, t.db, 'student');
      const page = await me.agent.get('/account/delete');
      const res = await me.agent.post('/account/delete/link').type('form').send({ _csrf: csrfTokenOf(page.text) });
      expect(res.status).toBe(422);
      expect((await readOutbox(t.config.dataDir)).filter((m) => m.to.includes(me.user.email))).toHaveLength(0);
    });
  });

  describe('who cannot leave', () => {
    it('a teacher whose course has students: told before typing, refused with the courses listed (409)', async () => {
      const teacher = await signedInAs(t.app, t.db, 'teacher');
      const taught = await createCourse(t.db, { userId: teacher.user.id, title: 'Watercolour for beginners' });
      await createEnrollment(t.db, { courseId: taught.id, status: 'Active' });
      await createEnrollment(t.db, { courseId: taught.id, status: 'Active' });
      // A course whose only enrollment is a checkout never paid does not count.
      const unpaid = await createCourse(t.db, { userId: teacher.user.id, title: 'Oils, never sold' });
      await createEnrollment(t.db, { courseId: unpaid.id, status: 'Pending' });

      const page = await teacher.agent.get('/account/delete').expect(200);
      expect(page.text).toContain('Your account cannot be deleted while courses of yours have students.');
      expect(page.text).toContain('Watercolour for beginners');
      expect(page.text).toContain('2 students');
      expect(page.text).not.toContain('Oils, never sold');
      expect(page.text).not.toContain('name="password"');
      expect(page.text).toContain('href="/help/new"');

      const res = await teacher.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: teacher.user.password });
      expect(res.status).toBe(409);
      expect(res.text).toContain('Watercolour for beginners');
      expect(await pendingSince(teacher.user.id)).toBeNull();
      expect(await isSignedIn(teacher.agent)).toBe(true);
    });

    it('a teacher whose students are gone (cancelled, no certificate) may leave; a certificate earned still counts', async () => {
      const teacher = await signedInAs(t.app, t.db, 'teacher');
      const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Finished course' });
      const graduate = await createEnrollment(t.db, { courseId: course.id, status: 'Cancelled', certificateEarned: true });
      await createEnrollment(t.db, { courseId: course.id, status: 'Cancelled' });
      let page = await teacher.agent.get('/account/delete');
      expect(page.text).toContain('Finished course');
      expect(page.text).toContain('1 student');

      await t.db.updateTable('enrollment').set({ certificateEarned: false }).where('id', '=', graduate.id).execute();
      page = await teacher.agent.get('/account/delete');
      expect(page.text).not.toContain('Your account cannot be deleted');
      expect(page.text).toContain('Your course is deleted too, with its lessons and files.');
      await teacher.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: teacher.user.password }).expect(303);
      expect(await pendingSince(teacher.user.id)).not.toBeNull();
    });

    it('the last admin cannot leave; with another admin they can', async () => {
      // Whatever admins earlier tests made: this test wants to know them all.
      await t.db.updateTable('user').set({ role: 'student' }).where('role', '=', 'admin').execute();
      const admin = await signedInAs(t.app, t.db, 'admin');
      const page = await admin.agent.get('/account/delete');
      expect(page.text).toContain('You are the last admin of Edupeak');
      const res = await admin.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(page.text), password: admin.user.password });
      expect(res.status).toBe(409);
      expect(await pendingSince(admin.user.id)).toBeNull();

      // An admin who is leaving too (or banned) does not count.
      const leaving = await createUser(t.db, { role: 'admin', deletionRequestedAt: new Date() });
      expect((await admin.agent.get('/account/delete')).text).toContain('You are the last admin of Edupeak');
      await t.db.updateTable('user').set({ deletionRequestedAt: null }).where('id', '=', leaving.id).execute();
      const ok = await admin.agent.get('/account/delete');
      expect(ok.text).not.toContain('You are the last admin of Edupeak');
      await admin.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(ok.text), password: admin.user.password }).expect(303);
      expect(await pendingSince(admin.user.id)).not.toBeNull();
    });

    it('two admins asking at once: one of them stays', async () => {
      await t.db.updateTable('user').set({ role: 'student' }).where('role', '=', 'admin').execute();
      const a = await signedInAs(t.app, t.db, 'admin');
      const b = await signedInAs(t.app, t.db, 'admin');
      const [pa, pb] = await Promise.all([a.agent.get('/account/delete'), b.agent.get('/account/delete')]);
      const [ra, rb] = await Promise.all([
        a.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(pa!.text), password: a.user.password }),
        b.agent.post('/account/delete').type('form').send({ _csrf: csrfTokenOf(pb!.text), password: b.user.password }),
      ]);
      expect([ra.status, rb.status].sort()).toEqual([303, 409]);
      const pending = await t.db.selectFrom('user').select('id').where('role', '=', 'admin').where('deletionRequestedAt', 'is', null).execute();
      expect(pending).toHaveLength(1);
    });
  });

  it('an admin viewing as the person cannot delete their account', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const admin = await createUser(t.db, { role: 'admin' });
    await t.db.updateTable('session').set({ impersonatedBy: admin.id }).where('userId', '=', me.user.id).execute();
    const page = await me.agent.get('/account/delete');
    expect(page.status).toBe(403);
    expect(await pendingSince(me.user.id)).toBeNull();
  });
});
