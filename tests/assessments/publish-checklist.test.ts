import { describe, expect, it } from 'vitest';
import { publishChecklist } from '../../src/features/teaching/publish.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createAssignment, createChapter, createCourse, createLesson, createQuestion, createQuiz } from '../setup/factories.ts';

describe('the publish checklist knows assessments', () => {
  const t = useTestDatabase();

  it('a lesson with only a quiz or an assignment is not bare; a quiz without questions is pointed out until it has one', async () => {
    const course = await createCourse(t.db, { status: 'Draft' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const quizLesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Check yourself' });
    const workLesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Homework' });
    const quiz = await createQuiz(t.db, { lessonId: quizLesson.id });
    await createAssignment(t.db, { lessonId: workLesson.id });

    const advice = async () => Object.fromEntries((await publishChecklist(t.db, course.id)).advice.map((i) => [i.id, i]));
    let items = await advice();
    expect(items['bare-lessons']!.ok).toBe(true);
    expect(items['empty-quizzes']).toMatchObject({ ok: false, label: 'Add questions to the quiz of "Check yourself": students cannot take an empty quiz' });

    await createQuestion(t.db, { quizId: quiz.id });
    items = await advice();
    expect(items['empty-quizzes']!.ok).toBe(true);
  });
});
