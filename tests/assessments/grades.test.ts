import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createAssignment, createAssignmentSubmission, createChapter, createCourse, createEnrollment, createLesson, createQuestion, createQuiz, createQuizSubmission } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const HOUR = 3_600_000;

/** The rows of the grades table, as text per row (tags dropped). */
function rowsOf(html: string): string[] {
  const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  return body
    .split('<tr>')
    .slice(1)
    .map((r) => r.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

describe("a student's grades", () => {
  const t = useTestApp();

  async function enrolled() {
    const course = await createCourse(t.db, { title: 'Graded Course' });
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    return { course, student };
  }

  it('lists every assessment in course order with status, grade, late pill and feedback, and the totals', async () => {
    const { course, student } = await enrolled();
    const other = await signedInAs(t.app, t.db, 'student');
    // Chapter 2 is created first but placed second: the order is the course's, not the rows'.
    const ch2 = await createChapter(t.db, { courseId: course.id, title: 'Second chapter', position: 2 });
    const ch1 = await createChapter(t.db, { courseId: course.id, title: 'First chapter', position: 1 });
    const l1 = await createLesson(t.db, { chapterId: ch1.id, title: 'Essay lesson' });
    const l2 = await createLesson(t.db, { chapterId: ch1.id, title: 'Quiz lesson' });
    const l3 = await createLesson(t.db, { chapterId: ch2.id, title: 'Report lesson' });
    const l4 = await createLesson(t.db, { chapterId: ch2.id, title: 'Final quiz lesson' });
    const draft = await createLesson(t.db, { chapterId: ch2.id, title: 'Draft lesson', status: 'Draft' });
    const essay = await createAssignment(t.db, { lessonId: l1.id, title: 'Essay', points: 20, dueDate: new Date(Date.now() - 2 * HOUR) });
    const quiz = await createQuiz(t.db, { lessonId: l2.id, title: 'Check one', points: 10 });
    await createQuestion(t.db, { quizId: quiz.id, correctAnswer: 0 });
    const report = await createAssignment(t.db, { lessonId: l3.id, title: 'Report', points: 30 });
    const finalQuiz = await createQuiz(t.db, { lessonId: l4.id, title: 'Final check', points: 10 });
    await createAssignment(t.db, { lessonId: draft.id, title: 'Hidden draft assignment' });
    // Graded late, with feedback; a quiz at 80 %; the report pending; the final quiz not taken.
    const graded = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: student.user.id, status: 'Graded', grade: 15, feedback: 'Clear.\nMore sources next time.', submittedAt: new Date(Date.now() - HOUR) });
    await createQuizSubmission(t.db, { quizId: quiz.id, userId: student.user.id, score: 80, correctAnswers: 4, totalQuestions: 5, pointsEarned: 8 });
    await createAssignmentSubmission(t.db, { assignmentId: report.id, userId: student.user.id, status: 'Pending' });
    // Another student's grades are not shown.
    await createQuizSubmission(t.db, { quizId: finalQuiz.id, userId: other.user.id, score: 100, pointsEarned: 10 });

    const res = await student.agent.get(`/learn/${course.slug}/grades`).expect(200);
    const rows = rowsOf(res.text);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/^Assignment · First chapter Essay Returned Late 15 \/ 20 Clear\. More sources next time\.$/);
    expect(rows[1]).toMatch(/^Quiz · First chapter Check one Best score 80 % 80 % · 8 \/ 10$/);
    expect(rows[2]).toMatch(/^Assignment · Second chapter Report Pending – \/ 30$/);
    expect(rows[3]).toMatch(/^Quiz · Second chapter Final check Not submitted – \/ 10$/);
    expect(res.text).not.toContain('Hidden draft assignment');
    expect(res.text).toContain(`href="/learn/${course.slug}/lessons/${l1.id}#assignment"`);
    expect(res.text).toContain(`href="/learn/${course.slug}/lessons/${l2.id}#quiz"`);
    expect(res.text).toContain('<span class="pre-line">Clear.\nMore sources next time.</span>');
    expect(res.text).toContain('<strong>23 of 70 points</strong>');
    // Every cell is labelled for phones.
    expect(res.text.match(/<td data-label="[^"]+"/g)).toHaveLength(16);
    // Opening the graded feedback returned it.
    const row = await t.db.selectFrom('assignmentSubmission').select('status').where('id', '=', graded.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('Returned');
    // The lesson page links here.
    expect((await student.agent.get(`/learn/${course.slug}/lessons/${l1.id}`)).text).toContain(`href="/learn/${course.slug}/grades"`);
  });

  it('a course without assessments says so', async () => {
    const { course, student } = await enrolled();
    await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: course.id })).id });
    const res = await student.agent.get(`/learn/${course.slug}/grades`).expect(200);
    expect(res.text).toContain('This course has no assignments or quizzes.');
  });

  it('not enrolled: 404; cancelled: refused', async () => {
    const { course } = await enrolled();
    const stranger = await signedInAs(t.app, t.db, 'student');
    expect((await stranger.agent.get(`/learn/${course.slug}/grades`)).status).toBe(404);
    const cancelled = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: cancelled.user.id, courseId: course.id, status: 'Cancelled' });
    expect((await cancelled.agent.get(`/learn/${course.slug}/grades`)).status).toBe(404);
  });

  it('stays within the page budget with a query count that does not grow (5 vs 20 assessments)', async () => {
    async function courseWith(n: number) {
      const { course, student } = await enrolled();
      const chapter = await createChapter(t.db, { courseId: course.id });
      for (let i = 0; i < n; i++) {
        const lesson = await createLesson(t.db, { chapterId: chapter.id, title: `Lesson ${i}` });
        if (i % 2 === 0) {
          const a = await createAssignment(t.db, { lessonId: lesson.id, title: `Assignment with a fairly long title ${i}`, points: 50 });
          await createAssignmentSubmission(t.db, { assignmentId: a.id, userId: student.user.id, status: 'Graded', grade: 40, feedback: 'Feedback that runs for a sentence or two, as teachers write it. Well done overall.' });
        } else {
          const q = await createQuiz(t.db, { lessonId: lesson.id, title: `Quiz ${i}` });
          await createQuizSubmission(t.db, { quizId: q.id, userId: student.user.id, score: 70, pointsEarned: 7 });
        }
      }
      return { url: `/learn/${course.slug}/grades`, student };
    }
    const small = await courseWith(5);
    const big = await courseWith(20);
    const a = await countQueries(t.db, () => small.student.agent.get(small.url));
    const b = await countQueries(t.db, () => big.student.agent.get(big.url));
    expect(b.count).toBe(a.count);
    expect(rowsOf(b.result.text)).toHaveLength(20);
    expectWithinPageBudget(b.result);
  });
});
