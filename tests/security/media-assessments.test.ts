import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiskStorage, newKey } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { createAssignment, createAssignmentSubmission, createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * Assessment files through /media: the teacher's assignment file goes out by the lesson's rule; a
 * student's submitted file only to that student, the course's teacher and admins (404 to anyone
 * else, classmates included).
 */
describe('assignment and submission files', () => {
  const t = useTestApp();

  it('follow the lesson (assignment file) and the student (submission file)', async () => {
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    const put = async (kind: 'assignments' | 'submissions') => {
      const key = newKey(kind, 'pdf');
      const body = Buffer.from('%PDF-1.4\n% work\n');
      await storage.put(key, body, { contentType: 'application/pdf', contentLength: body.length });
      return key;
    };
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Published', title: 'Statistics' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    const assignment = await createAssignment(t.db, { lessonId: lesson.id, title: 'Survey report', fileKey: await put('assignments') });

    const student = await signedInAs(t.app, t.db, 'student', { firstName: 'Ana', lastName: 'Lima' });
    const classmate = await signedInAs(t.app, t.db, 'student');
    const outsider = await signedInAs(t.app, t.db, 'student');
    for (const s of [student, classmate]) await createEnrollment(t.db, { userId: s.user.id, courseId: course.id, status: 'Active' });
    const submission = await createAssignmentSubmission(t.db, { assignmentId: assignment.id, userId: student.user.id, fileKey: await put('submissions') });

    const get = (agent: typeof student.agent | null, key: string) => (agent ?? t.request()).get(`/media/${key}`);

    // The assignment's own file: whoever may open the lesson.
    const brief = assignment.fileKey!;
    for (const who of [student, classmate, teacher, admin]) expect((await get(who.agent, brief)).status, who.user.email).toBe(200);
    for (const who of [outsider.agent, otherTeacher.agent, null]) expect((await get(who, brief)).status).toBe(404);
    const download = await get(student.agent, brief);
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="Survey report\.pdf"/);

    // The student's work: the student, the teacher, admins; nobody else.
    const work = submission.fileKey!;
    for (const who of [student, teacher, admin]) expect((await get(who.agent, work)).status, who.user.email).toBe(200);
    for (const who of [classmate.agent, outsider.agent, otherTeacher.agent, null]) expect((await get(who, work)).status).toBe(404);
    const own = await get(teacher.agent, work);
    expect(own.headers['cache-control']).toBe('private, no-store');
    expect(own.headers['content-disposition']).toMatch(/^attachment; filename="Survey report - Ana Lima\.pdf"/);
    expect(own.headers['x-content-type-options']).toBe('nosniff');
  });
});
