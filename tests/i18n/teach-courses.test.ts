import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The teacher's course editing in Spanish and Arabic: the courses list, the new-course form (a
 * refused one), the course editor with its structure, checklist and a publish-all flash, the
 * delete confirmation, the apply page, and the course analytics right to left.
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };
const VIDEO = 'videos/2026/01/00000000-0000-0000-0000-0000000000b1.mp4';

describe('course editing in Spanish and Arabic', () => {
  const t = useTestApp();

  async function draftCourse() {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', title: `Cerámica ${teacher.user.id.slice(0, 6)}`, fileKey: null });
    const clay = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Arcilla' });
    const glaze = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Esmalte' });
    await createLesson(t.db, { chapterId: clay.id, status: 'Draft', title: 'Amasado', videoKey: VIDEO });
    await createLesson(t.db, { chapterId: clay.id, status: 'Draft', title: 'Cuencos', videoKey: VIDEO });
    await createLesson(t.db, { chapterId: glaze.id, status: 'Draft', title: 'Inmersión', videoKey: VIDEO });
    return { teacher, course, chapters: [clay, glaze] };
  }

  it('the courses list and a refused new course in Spanish', async () => {
    const { teacher } = await draftCourse();
    const list = await teacher.agent.get('/teach').set(es).expect(200);
    expect(list.text).toContain('<html lang="es" dir="ltr">');
    expect(list.text).toContain('<h1>Tus cursos</h1>');
    expect(list.text).toContain('>Nuevo curso</a>');
    expect(list.text).toContain('Borrador</span>');
    expect(list.text).toContain('Gratis');

    const form = await teacher.agent.get('/teach/courses/new').set(es).expect(200);
    expect(form.text).toContain('<button type="submit" class="button">Crear el borrador</button>');
    expect(form.text).toContain('<option value="Beginner" selected>Principiante</option>');

    const refused = await teacher.post('/teach/courses/new', { title: '', smallDescription: 'x', description: 'x', category: 'x', level: 'Beginner', price: '0', duration: '60' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('El título es obligatorio.');
  });

  it('the course editor: structure, checklist, a refused publish and the publish-all flash in Spanish', async () => {
    const { teacher, course } = await draftCourse();
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).set(es).expect(200);
    expect(page.text).toContain('<h2 id="structure-title">Capítulos y lecciones</h2>');
    expect(page.text).toContain('Antes de poder publicar el curso');
    expect(page.text).toContain('Sube una imagen del curso');
    expect(page.text).toContain('2 capítulos en borrador y 3 lecciones en borrador quedarían ocultos para los estudiantes');
    expect(page.text).toContain('<option value="Draft" selected>Borrador</option>');
    expect(page.text).toContain('<button type="submit" class="button">Guardar los datos</button>');

    // No image: publishing is refused, in Spanish, with what is missing.
    const refused = await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Todavía no se publicó. Sube una imagen del curso');

    await t.db.updateTable('course').set({ fileKey: 'thumbnails/2026/01/x-640w.webp' }).where('id', '=', course.id).execute();
    await teacher.post(`/teach/courses/${course.id}/publish-all`).set(es).expect(303);
    const after = await teacher.agent.get(`/teach/courses/${course.id}`).set(es).expect(200);
    expect(after.text).toContain('Curso publicado con 2 capítulos y 3 lecciones que eran borradores: los estudiantes ya pueden encontrarlo.');
  });

  it('the delete confirmation and a refused chapter title in Spanish', async () => {
    const { teacher, course, chapters } = await draftCourse();
    const confirm = await teacher.agent.get(`/teach/chapters/${chapters[0]!.id}/delete`).set(es).expect(200);
    expect(confirm.text).toContain('¿Eliminar el capítulo «Arcilla»?');
    expect(confirm.text).toContain('También se eliminarán sus 2 lecciones');
    expect(confirm.text).toContain('<button type="submit" class="button danger">Eliminar el capítulo</button>');

    const empty = await teacher.post(`/teach/courses/${course.id}/chapters`, { title: '' }).set(es);
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('El título es obligatorio.');

    // A chapter scheduled without a future date: refused in Spanish, naming the teacher's zone,
    // on the course page and (for a lesson) on the lesson page.
    const madrid = await signedInAs(t.app, t.db, 'teacher', { timeZone: 'Europe/Madrid' });
    const theirs = await createCourse(t.db, { userId: madrid.user.id, status: 'Draft' });
    const ch = await createChapter(t.db, { courseId: theirs.id, status: 'Draft' });
    const lesson = await createLesson(t.db, { chapterId: ch.id, status: 'Draft' });
    const noDate = await madrid.post(`/teach/chapters/${ch.id}/publish`, { status: 'Scheduled', releaseAt: '' }).set(es);
    expect(noDate.status).toBe(422);
    expect(noDate.text).toContain('Una publicación programada necesita una fecha y hora futuras (Europe/Madrid).');
    const past = await madrid.post(`/teach/lessons/${lesson.id}/publish`, { status: 'Scheduled', releaseAt: '2020-01-01T09:00', from: 'lesson' }).set(es);
    expect(past.status).toBe(422);
    expect(past.text).toContain('Una publicación programada necesita una fecha y hora futuras (Europe/Madrid).');
    const nonsense = await madrid.post(`/teach/lessons/${lesson.id}/publish`, { status: 'Scheduled', releaseAt: 'mañana', from: 'lesson' }).set(es);
    expect(nonsense.status).toBe(422);
    expect(nonsense.text).toContain('Escribe una fecha y hora, como 2027-01-31 09:00.');
  });

  it('the course editor and analytics in Arabic, right to left', async () => {
    const { teacher, course } = await draftCourse();
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).set(ar).expect(200);
    expect(page.text).toContain('<html lang="ar" dir="rtl">');
    expect(page.text).toContain('<h2 id="structure-title">الفصول والدروس</h2>');
    expect(page.text).toContain('مسودة: لا يراها أحد غيرك.');
    expect(page.text).toContain('ستبقى هذه المسودات مخفية عن الطلاب: فصلان و3 دروس');

    const analytics = await teacher.agent.get(`/teach/courses/${course.id}/analytics`).set(ar).expect(200);
    expect(analytics.text).toContain('<html lang="ar" dir="rtl">');
    expect(analytics.text).toContain('<h1>الإحصاءات</h1>');
    expect(analytics.text).toContain('آخر 30 يومًا');
    expect(analytics.text).toContain('الطلاب النشطون');
  });

  it('the apply page and a refused application in Spanish', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await t.db.updateTable('user').set({ emailVerified: true }).where('id', '=', student.user.id).execute();
    const page = await student.agent.get('/teach/apply').set(es).expect(200);
    expect(page.text).toContain('<h1>Enseña en Edupeak</h1>');
    expect(page.text).toContain('Enviar la solicitud');
    const refused = await student.post('/teach/apply', { experience: '', subjects: 'Cerámica', motivation: '' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('La experiencia docente es obligatoria.');
  });
});
