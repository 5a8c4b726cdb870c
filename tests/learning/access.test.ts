import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

/** Who may open the player, a lesson, its completion and its video. */
describe('learning access matrix', () => {
  const t = useTestApp();
  let course: { id: string; slug: string };
  let lesson: { id: string };
  let draftLesson: { id: string };
  let scheduledLesson: { id: string };
  const people: Record<string, SignedIn> = {};

  beforeAll(async () => {
    people.teacher = await signedInAs(t.app, t.db, 'teacher');
    course = await createCourse(t.db, { userId: people.teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Open lesson', videoKey: 'videos/2026/01/00000000-0000-0000-0000-00000000000a.mp4' });
    draftLesson = await createLesson(t.db, { chapterId: chapter.id, status: 'Draft', title: 'Draft lesson' });
    scheduledLesson = await createLesson(t.db, { chapterId: chapter.id, status: 'Scheduled', releaseAt: days(3), title: 'Scheduled lesson' });
    people.admin = await signedInAs(t.app, t.db, 'admin');
    people.otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    people.notEnrolled = await signedInAs(t.app, t.db, 'student');
    const enrolled = async (name: string, values: Record<string, unknown>) => {
      people[name] = await signedInAs(t.app, t.db, 'student');
      await createEnrollment(t.db, { userId: people[name]!.user.id, courseId: course.id, ...values });
    };
    await enrolled('active', { status: 'Active' });
    await enrolled('pending', { status: 'Pending' });
    await enrolled('cancelled', { status: 'Cancelled' });
    await enrolled('bannedTemporary', { status: 'Active', banned: true, banType: 'Temporary', banUntil: days(2), banReason: 'Spam' });
    await enrolled('bannedPermanent', { status: 'Active', banned: true, banType: 'Permanent', banReason: 'Fraud' });
    await enrolled('banExpired', { status: 'Active', banned: true, banType: 'Temporary', banUntil: days(-1), banReason: 'Old' });
  });

  const allowed = ['active', 'banExpired', 'teacher', 'admin'];
  const refused = ['notEnrolled', 'pending', 'otherTeacher'];
  // Former and suspended students know the course: they are told why (403), and open nothing.
  const told = ['cancelled', 'bannedTemporary', 'bannedPermanent'];

  it.each(allowed)('%s may open the player, the lesson and complete it', async (who) => {
    const p = people[who]!;
    const player = await p.agent.get(`/learn/${course.slug}`).expect(302);
    expect(player.headers.location).toBe(`/learn/${course.slug}/lessons/${lesson.id}`);
    const page = await p.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(200);
    expect(page.text).toContain('Open lesson');
    expect(page.text).toContain('preload="none"');
    await p.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(303);
  });

  it.each(refused)('%s gets 404 on the player, the lesson, completion and the video', async (who) => {
    const p = people[who]!;
    await p.agent.get(`/learn/${course.slug}`).expect(404);
    await p.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(404);
    await p.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(404);
    await p.agent.get('/media/videos/2026/01/00000000-0000-0000-0000-00000000000a.mp4').expect(404);
  });

  it.each(told)('%s is told why (403) on the player and the lesson pages, and gets nothing (404 elsewhere)', async (who) => {
    const p = people[who]!;
    expect((await p.agent.get(`/learn/${course.slug}`).expect(403)).text).toMatch(/was cancelled|You are suspended/);
    const lessonPage = await p.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(403);
    expect(lessonPage.text).not.toContain('Open lesson');
    await p.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(404);
    await p.agent.get('/media/videos/2026/01/00000000-0000-0000-0000-00000000000a.mp4').expect(404);
  });

  it('a preview by the teacher or an admin records nothing', async () => {
    for (const who of ['teacher', 'admin']) {
      const rows = await t.db.selectFrom('lessonProgress').select('id').where('userId', '=', people[who]!.user.id).execute();
      expect(rows, who).toEqual([]);
    }
  });

  it('a visitor is sent to sign in', async () => {
    await t.request().get(`/learn/${course.slug}`).expect(303);
  });

  it('students never open drafts or scheduled lessons; the teacher previews them', async () => {
    await people.active!.agent.get(`/learn/${course.slug}/lessons/${draftLesson.id}`).expect(404);
    await people.active!.agent.get(`/learn/${course.slug}/lessons/${scheduledLesson.id}`).expect(404);
    await people.active!.post(`/learn/${course.slug}/lessons/${scheduledLesson.id}/complete`).expect(404);
    await people.teacher!.agent.get(`/learn/${course.slug}/lessons/${draftLesson.id}`).expect(200);
    await people.admin!.agent.get(`/learn/${course.slug}/lessons/${scheduledLesson.id}`).expect(200);
  });

  it('a lesson of another course, and made-up ids, are 404', async () => {
    const other = await createLesson(t.db);
    await people.active!.agent.get(`/learn/${course.slug}/lessons/${other.id}`).expect(404);
    await people.active!.agent.get(`/learn/${course.slug}/lessons/not-a-uuid`).expect(404);
    await people.active!.agent.get('/learn/no-such-course').expect(404);
  });
});
