import { describe, expect, it } from 'vitest';
import { formatDate } from '../../src/lib/dates.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/** A student whose enrollment was cancelled (a refund) opens the course they kept a link to. */
describe('a cancelled student opening the course', () => {
  const t = useTestApp();

  async function paidCourse() {
    const course = await createCourse(t.db, { title: `Bread Baking ${Math.random().toString(36).slice(2, 7)}`, price: 1500 });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Sourdough starter' });
    return { course, lesson };
  }

  async function refundedStudent() {
    const { course, lesson } = await paidCourse();
    const student = await signedInAs(t.app, t.db, 'student');
    const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active', amount: 1500 });
    const payment = await t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount: 1500, status: 'Completed', paymentMethod: 'card' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.post(`/admin/payments/${payment.id}/refund`, { reason: 'Bought twice', confirm: 'yes' }).expect(303);
    return { course, lesson, student, enrollment };
  }

  it('the player and the lessons say the enrollment was cancelled because the payment was refunded', async () => {
    const { course, lesson, student } = await refundedStudent();
    const today = formatDate(new Date());
    const player = await student.agent.get(`/learn/${course.slug}`).expect(403);
    expectWithinPageBudget(player);
    expect(player.text).toContain(`Your enrollment in <strong>${course.title}</strong> was cancelled on ${today} because the payment was refunded.`);
    expect(player.text).toContain('$15.00 went back to you');
    expect(player.text).toContain('(reason: Bought twice)');
    expect(player.text).toContain(`<a class="button" href="/courses/${course.slug}">Enroll again</a>`);
    expect(player.text).toContain('<a href="/account/payments">Your payments</a>');
    expect(player.text).not.toContain('Sourdough starter');

    const lessonPage = await student.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(403);
    expect(lessonPage.text).toContain('because the payment was refunded');
    expect(lessonPage.text).not.toContain('Sourdough starter');
    // A form posted from a stale page: refused as for anyone who may not learn there, nothing recorded.
    await student.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(404);
    expect(await t.db.selectFrom('lessonProgress').select('id').where('userId', '=', student.user.id).execute()).toEqual([]);

    // Their payments page lists the refund the links point to.
    expect((await student.agent.get('/account/payments').expect(200)).text).toContain(course.title);
  });

  it('the course page says so above the enroll button, which stays', async () => {
    const { course, student } = await refundedStudent();
    const page = await student.agent.get(`/courses/${course.slug}`).expect(200);
    expect(page.text).toContain(`Your enrollment was cancelled on ${formatDate(new Date())} because the payment was refunded`);
    expect(page.text).toContain('href="/account/payments"');
    expect(page.text.indexOf('id="enrollment-cancelled"')).toBeLessThan(page.text.indexOf('Enroll for $15.00'));
    // Nobody else sees it.
    const other = await signedInAs(t.app, t.db, 'student');
    expect((await other.agent.get(`/courses/${course.slug}`)).text).not.toContain('enrollment-cancelled');
    expect((await t.request().get(`/courses/${course.slug}`)).text).not.toContain('enrollment-cancelled');
  });

  it('a cancellation by hand (no refund) says cancelled, without a refund', async () => {
    const { course } = await paidCourse();
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Cancelled' });
    const player = await student.agent.get(`/learn/${course.slug}`).expect(403);
    expect(player.text).toContain(`Your enrollment in <strong>${course.title}</strong> was cancelled on ${formatDate(new Date())}.`);
    expect(player.text).not.toContain('refunded');
    const page = await student.agent.get(`/courses/${course.slug}`).expect(200);
    expect(page.text).toContain('Your enrollment was cancelled on');
    expect(page.text).not.toContain('payment was refunded');
  });

  it('strangers still get 404, and a course that is not out tells no one', async () => {
    const { course, lesson } = await paidCourse();
    const stranger = await signedInAs(t.app, t.db, 'student');
    await stranger.agent.get(`/learn/${course.slug}`).expect(404);
    await stranger.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(404);
    await stranger.agent.get('/learn/no-such-course').expect(404);

    const draft = await createCourse(t.db, { status: 'Draft' });
    const former = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: former.user.id, courseId: draft.id, status: 'Cancelled' });
    await former.agent.get(`/learn/${draft.slug}`).expect(404);
  });

  it('a suspended student is told they are suspended, with the reason and the end', async () => {
    const { course } = await paidCourse();
    const student = await signedInAs(t.app, t.db, 'student');
    const until = new Date(Date.now() + 3 * 86_400_000);
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active', banned: true, banType: 'Temporary', banUntil: until, banReason: 'Spam in the forum' });
    const player = await student.agent.get(`/learn/${course.slug}`).expect(403);
    expect(player.text).toContain(`You are suspended from <strong>${course.title}</strong> until ${formatDate(until)}. Reason: Spam in the forum`);
    // The course page keeps its own message.
    expect((await student.agent.get(`/courses/${course.slug}`)).text).toContain('You are suspended from this course');
  });

  it('cancelled and suspended: told they are suspended, and not invited to enroll again', async () => {
    const { course } = await paidCourse();
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Cancelled', banned: true, banType: 'Permanent', banReason: 'Cheating' });
    const player = await student.agent.get(`/learn/${course.slug}`).expect(403);
    expect(player.text).toContain(`You are suspended from <strong>${course.title}</strong>. Reason: Cheating`);
    expect(player.text).not.toContain('Enroll again');
    const page = await student.agent.get(`/courses/${course.slug}`).expect(200);
    expect(page.text).toContain('You are also suspended from this course (Cheating), so you cannot enroll again.');
    expect(page.text).not.toContain('You can enroll again below');
  });

  it('enrolled again, the student learns again', async () => {
    const { course, lesson, student, enrollment } = await refundedStudent();
    await t.db.updateTable('enrollment').set({ status: 'Active' }).where('id', '=', enrollment.id).execute();
    await t.db.insertInto('paymentTransaction').values({ enrollmentId: enrollment.id, amount: 1500, status: 'Completed' }).execute();
    await student.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(200);
    expect((await student.agent.get(`/courses/${course.slug}`)).text).not.toContain('enrollment-cancelled');
  });
});
