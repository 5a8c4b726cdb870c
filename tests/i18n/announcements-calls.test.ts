import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectNoFormatErrors } from '../setup/i18n.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { createSupportCall, createSupportRequest, enrolledStudent } from '../setup/support-call-factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The announcement writer, live support calls and charts in Spanish and Arabic: the form, a refused
 * announcement with its message, the flash after saving, the list with its plurals; the host's list
 * of calls and a student's call page; a course chart's text equivalent (its table and sentence) with
 * Spanish numbers; and the announcement list right to left in Arabic. No message fails to format.
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };
const DAY = 86_400_000;

describe('announcements, live calls and charts in Spanish and Arabic', () => {
  const t = useTestApp();
  expectNoFormatErrors();

  const admin = async (language: 'es' | 'ar' = 'es') => {
    const me = await signedInAs(t.app, t.db, 'admin');
    await t.db.updateTable('user').set({ language }).where('id', '=', me.user.id).execute();
    return me;
  };

  it('the announcement form, a refused one naming addresses, the flash after saving, and the list with its plurals in Spanish', async () => {
    const me = await admin();
    const form = await me.agent.get('/admin/announcements/new').set(es).expect(200);
    expect(form.text).toContain('<html lang="es" dir="ltr">');
    expect(form.text).toContain('<h1>Nuevo anuncio</h1>');
    expect(form.text).toContain('<legend>Audiencia</legend>');
    expect(form.text).toContain('Estudiantes elegidos</label>');
    expect(form.text).toContain('<option value="">Elige un curso</option>');
    expect(form.text).toContain('>Publicar o programar</button>');
    expect(form.text).toContain('>Guardar borrador</button>');

    // Refused: an unknown address and a teacher's, named in one whole Spanish sentence (field and summary).
    await createTeacher(t.db, { email: 'tere.teacher@example.test' });
    const refused = await me
      .post('/admin/announcements/new', { title: 'Cambio de aula', body: 'Aula **4**.', targetRole: 'SpecificStudents', targetUserIds: 'nadie@example.test, tere.teacher@example.test', intent: 'publish' })
      .set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Ninguna cuenta tiene esta dirección: nadie@example.test. No es estudiante: tere.teacher@example.test.');
    expect(refused.text).toContain('value="Cambio de aula"');

    const empty = await me.post('/admin/announcements/new', { title: '', body: '', targetRole: 'AllUsers', intent: 'draft' }).set(es);
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('El anuncio es obligatorio.');

    // Saved and published to everyone: the flash on the announcement's page in Spanish.
    const saved = await me.post('/admin/announcements/new', { title: 'Fechas de examen', body: 'El lunes.', targetRole: 'AllUsers', intent: 'publish' }).set(es);
    expect(saved.status).toBe(303);
    const page = await me.agent.get(saved.headers.location!).set(es).expect(200);
    expect(page.text).toContain('Publicado: su audiencia ya lo ve.');
    expect(page.text).toContain('<li>Para: Todos</li>');
    expect(page.text).toContain('<h2 id="unread-title">Sin leer todavía</h2>');
    expect(page.text).toContain('>Finalizar ahora</button>');
    expect(page.text).toContain('0 vistas en total');

    // The list: statuses translated, chosen people counted with a plural, reads in Spanish digits.
    await createAnnouncement(t.db, { title: 'Para dos', targetRole: 'SpecificStudents', targetUserIds: [(await createUser(t.db)).id, (await createUser(t.db)).id], status: 'Draft', publishedAt: null });
    const list = await me.agent.get('/admin/announcements').set(es).expect(200);
    expect(list.text).toContain('>Nuevo anuncio</a>');
    expect(list.text).toContain('2 estudiantes elegidos');
    expect(list.text).toContain('Borrador</span>');
    expect(list.text).toContain('Publicado</span>');
    expect(list.text).toContain('<option value="Expired">Finalizado</option>');
    expect(list.text).toContain('Programado o publicado');
  });

  it("a teacher's course announcements and a refused end date in Spanish", async () => {
    const me = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: me.user.id, title: 'Cerámica' });
    const base = `/teach/courses/${course.id}/announcements`;
    const list = await me.agent.get(base).set(es).expect(200);
    expect(list.text).toContain('<h1>Anuncios</h1>');
    expect(list.text).toContain('Para los estudiantes de Cerámica.');
    expect(list.text).toContain('Todavía no hay anuncios.');

    const refused = await me.post(`${base}/new`, { title: 'Horno', body: 'Cerrado.', expiresAt: '2020-01-01T10:00', intent: 'draft' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('La finalización debe ser en el futuro (para finalizarlo ahora, usa Finalizar ahora).');
    expect(refused.text).toContain('<strong>Audiencia:</strong> los estudiantes activos de Cerámica.');
  });

  it("the host's list of calls and a student's call page in Spanish", async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Hojas de cálculo' });
    const base = `/teach/courses/${course.id}/support-calls`;

    const empty = await teacher.agent.get(base).set(es).expect(200);
    expect(empty.text).toContain('<h1>Ayuda en directo</h1>');
    expect(empty.text).toContain('<h2 id="start-title">Empezar una llamada</h2>');
    expect(empty.text).toContain('Todavía no hay llamadas.');
    const refused = await teacher.post(base, { title: '', meetingUrl: 'http://meet.example.org/x' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Ponle un título a la llamada, como «Horario de consultas: semana 3».');
    const badLink = await teacher.post(base, { title: 'Consultas', meetingUrl: 'http://meet.example.org/x' }).set(es);
    expect(badLink.status).toBe(422);
    expect(badLink.text).toContain('El enlace de la reunión debe empezar por https://.');

    const call = await createSupportCall(t.db, { courseId: course.id, title: 'Consultas' });
    await createSupportRequest(t.db, { supportCallId: call.id, position: 1 });
    await createSupportRequest(t.db, { supportCallId: call.id, position: 2 });
    const list = await teacher.agent.get(base).set(es).expect(200);
    expect(list.text).toContain('<strong>En directo ahora:</strong>');
    expect(list.text).toContain('2 (2 en espera)');
    expect(list.text).toContain('En directo</span>');

    const host = await teacher.agent.get(`${base}/${call.id}`).set(es).expect(200);
    expect(host.text).toContain('<h2 id="queue-title">Cola</h2>');
    expect(host.text).toContain('2 en espera · 0 en la llamada · 2 en total');
    expect(host.text).toContain('Ayuda con una tarea');
    expect(host.text).toContain('>Finalizar la llamada</button>');

    // The student asks to join: the flash and their place in Spanish.
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id });
    const href = `/learn/${course.slug}/support-calls/${call.id}`;
    const page = await student.agent.get(href).set(es).expect(200);
    expect(page.text).toContain('Ayuda en directo con');
    expect(page.text).toContain('¿Con qué necesitas ayuda?');
    expect(page.text).toContain('<option value="Technical problem">Problema técnico</option>');
    expect(page.text).toContain('2 en espera ahora.');
    const asked = await student.post(`${href}/requests`, { supportType: 'Technical problem' }).set(es);
    expect(asked.status).toBe(303);
    const placed = await student.agent.get(href).set(es).expect(200);
    expect(placed.text).toContain('Estás en la cola: número 3.');
    expect(placed.text).toContain('<strong>Eres el número 3</strong>; hay 2 antes que tú.');

    // Ending the call: the flash counts the closed requests with a plural.
    await teacher.post(`${base}/${call.id}/end`).set(es).expect(303);
    const ended = await teacher.agent.get(`${base}/${call.id}`).set(es).expect(200);
    expect(ended.text).toContain('Llamada finalizada. Se cerraron 3 solicitudes abiertas.');
    expect(ended.text).toContain('La llamada terminó');
  });

  it("a course chart's text equivalent in Spanish: sentence, table headings and Spanish numbers", async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Cerámica', price: 123456 });
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id, title: 'Amasado', status: 'Published' });
    for (let i = 0; i < 3; i++) {
      const e = await createEnrollment(t.db, { courseId: course.id, userId: (await createUser(t.db)).id, createdAt: new Date(Date.now() - DAY) });
      await t.db.insertInto('paymentTransaction').values({ enrollmentId: e.id, amount: 123456, status: 'Completed', createdAt: e.createdAt }).execute();
    }
    const page = await teacher.agent.get(`/teach/courses/${course.id}/analytics?range=30d`).set(es).expect(200);
    expect(page.text).toContain('<figcaption>Inscripciones por día</figcaption>');
    expect(page.text).toMatch(/3 inscripciones nuevas en los últimos 30 días; la mayoría el \d+ [a-z]+\.? \(3\)\./);
    expect(page.text).toContain('<summary>Los números<span class="sr-only"> de Inscripciones por día</span></summary>');
    expect(page.text).toContain('<th scope="col">Día</th>');
    expect(page.text).toContain('Descargar CSV<span class="sr-only"> de Ingresos por día</span>');
    // 3 × 1234.56 USD in Spanish: a decimal comma (Spanish groups thousands only from five digits).
    expect(page.text).toMatch(/Neto de 3703,68\s?US\$ en los últimos 30 días: 3703,68\s?US\$ brutos menos 0,00\s?US\$ reembolsados\./);
    expect(page.text).toContain('<th scope="col" class="num">Bruto</th>');
    expect(page.text).toContain('Todavía no hay valoraciones.');
  });

  it('the announcement list in Arabic, right to left', async () => {
    const me = await admin('ar');
    await createAnnouncement(t.db, { title: 'مواعيد الامتحانات', targetRole: 'AllTeachers' });
    const list = await me.agent.get('/admin/announcements').set(ar).expect(200);
    expect(list.text).toContain('<html lang="ar" dir="rtl">');
    expect(list.text).toContain('>إعلان جديد</a>');
    expect(list.text).toContain('جميع المعلمين');
    expect(list.text).toContain('منشور</span>');
    const form = await me.agent.get('/admin/announcements/new').set(ar).expect(200);
    expect(form.text).toContain('<legend>الجمهور</legend>');
    expect(form.text).toContain('>نشر أو جدولة</button>');
  });

  it('the live-call queue in Arabic, right to left', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const call = await createSupportCall(t.db, { courseId: course.id });
    await createSupportRequest(t.db, { supportCallId: call.id, position: 1, userId: (await enrolledStudent(t.db, course.id)).id });
    const host = await teacher.agent.get(`/teach/courses/${course.id}/support-calls/${call.id}`).set(ar).expect(200);
    expect(host.text).toContain('<html lang="ar" dir="rtl">');
    expect(host.text).toContain('<h2 id="queue-title">قائمة الانتظار</h2>');
    expect(host.text).toContain('مساعدة في واجب');
    expect(host.text).toContain('منتظر</span>');
  });
});
