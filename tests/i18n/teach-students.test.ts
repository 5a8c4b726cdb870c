import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onFormatError } from '../../src/i18n/translator.ts';
import { useTestApp } from '../setup/app.ts';
import { createAssignment, createAssignmentSubmission, createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The teacher's students table, grading queue, submission page and gradebook in Spanish and Arabic:
 * headings, buttons, column names, status and tag labels, refused forms and flashes in the
 * teacher's language; Arabic right to left; the CSV's headers translated.
 */

describe('teacher students, grading and gradebook in Spanish and Arabic', () => {
  const t = useTestApp();
  const broken: string[] = [];
  beforeEach(() => onFormatError((message, error) => broken.push(`${message}: ${(error as Error).message}`)));
  afterEach(() => onFormatError(() => {}));

  async function teacherIn(language: 'es' | 'ar') {
    const me = await signedInAs(t.app, t.db, 'teacher');
    await t.db.updateTable('user').set({ language }).where('id', '=', me.user.id).execute();
    const course = await createCourse(t.db, { userId: me.user.id, title: 'Ensayos' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    const essay = await createAssignment(t.db, { lessonId: lesson.id, title: 'Primer ensayo', points: 50, dueDate: new Date(Date.now() - 86_400_000) });
    const student = await createUser(t.db, { firstName: 'Ada', lastName: 'Lovelace' });
    const enrollment = await createEnrollment(t.db, { courseId: course.id, userId: student.id, tags: ['NeedsHelp'] });
    const sub = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: student.id });
    return { me, course, enrollment, sub, student };
  }

  it('Spanish: students table, queue, submission page, gradebook and CSV; refusals and flashes translated', async () => {
    const { me, course, enrollment, sub, student } = await teacherIn('es');
    await t.db.updateTable('user').set({ language: 'es' }).where('id', '=', student.id).execute();
    const students = await me.agent.get(`/teach/courses/${course.id}/students`).expect(200);
    expect(students.text).toContain('<html lang="es" dir="ltr">');
    expect(students.text).toContain('<h1>Estudiantes</h1>');
    expect(students.text).toContain('Guardar etiquetas');
    expect(students.text).toContain('Necesita ayuda');
    expect(students.text).toContain('>Activa</span>');
    expect(students.text).toContain('Estudiantes de Ensayos');

    const refused = await me.post(`/teach/courses/${course.id}/students/${enrollment.id}/ban`, { banType: 'Temporary', banUntil: '', reason: 'x' }).expect(422);
    expect(refused.text).toContain('Indica un motivo de al menos 3 caracteres.');
    await me.post(`/teach/courses/${course.id}/students/${enrollment.id}/tags`, { tags: 'TopPerformer' }).expect(303);
    expect((await me.agent.get(`/teach/courses/${course.id}/students`).expect(200)).text).toContain('Se guardaron las etiquetas de Ada Lovelace.');

    const queue = await me.agent.get(`/teach/courses/${course.id}/submissions`).expect(200);
    expect(queue.text).toContain('<h1>Entregas</h1>');
    expect(queue.text).toMatch(/>Pendiente \(1\)</);
    expect(queue.text).toContain('data-label="Entregas"');
    expect(queue.text).toContain('<span class="status status-late">Tardía</span>');
    expect(queue.text).toContain('Calificación (de 0 a 50)');

    const tooHigh = await me.post(`/teach/submissions/${sub.id}/grade`, { grade: '51' }).expect(422);
    expect(tooHigh.text).toContain('Escribe una calificación de 0 a 50.');
    const notANumber = await me.post(`/teach/submissions/${sub.id}/grade`, { grade: 'diez' }).expect(422);
    expect(notANumber.text).toContain('Escribe un número entero de puntos, 0 o más.');
    expect(notANumber.text).toContain('Guardar calificación');
    expect(notANumber.text).toContain('50 puntos, entrega hasta');

    await me.post(`/teach/submissions/${sub.id}/grade`, { grade: '40' }).expect(303);
    const page = await me.agent.get(`/teach/submissions/${sub.id}`).expect(200);
    expect(page.text).toContain('Calificada: 40 de 50 para Ada Lovelace (Primer ensayo).');
    expect(page.text).toContain('Calificación actual: <strong>40 / 50</strong>');
    // The student reads Edupeak in Spanish: their notice is written in it.
    const notice = await t.db.selectFrom('notification').select(['title', 'message']).where('userId', '=', student.id).executeTakeFirstOrThrow();
    expect(notice).toEqual({ title: 'Calificada: Primer ensayo', message: 'Obtuviste 40 de 50 puntos en «Primer ensayo» del curso «Ensayos».' });

    const book = await me.agent.get(`/teach/courses/${course.id}/gradebook`).expect(200);
    expect(book.text).toContain('<h1>Libro de calificaciones</h1>');
    expect(book.text).toContain('Primer ensayo (tarea)');
    const csv = await me.agent.get(`/teach/courses/${course.id}/gradebook.csv`).expect(200);
    expect(csv.text.split('\n')[0]).toContain('Primer ensayo (tarea, 50 puntos)');
    expect(broken).toEqual([]);
  });

  it('Arabic: right to left, Arabic headings, statuses and refusals', async () => {
    const { me, course, enrollment, sub } = await teacherIn('ar');
    const students = await me.agent.get(`/teach/courses/${course.id}/students`).expect(200);
    expect(students.text).toContain('<html lang="ar" dir="rtl">');
    expect(students.text).toContain('<h1>الطلاب</h1>');
    expect(students.text).toContain('حفظ الوسوم');
    const refused = await me.post(`/teach/courses/${course.id}/students/${enrollment.id}/tags`, { tags: 'Nope' }).expect(422);
    expect(refused.text).toContain('اختر الوسوم من القائمة.');

    const queue = await me.agent.get(`/teach/courses/${course.id}/submissions`).expect(200);
    expect(queue.text).toContain('<h1>التسليمات</h1>');
    expect(queue.text).toContain('حفظ الدرجة');
    const tooHigh = await me.post(`/teach/submissions/${sub.id}/grade`, { grade: '51' }).expect(422);
    expect(tooHigh.text).toContain('أدخل درجة من 0 إلى 50.');

    const book = await me.agent.get(`/teach/courses/${course.id}/gradebook`).expect(200);
    expect(book.text).toContain('<h1>سجل الدرجات</h1>');
    expect(broken).toEqual([]);
  });
});
