import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { createBlogCategory, createCourse, createEnrollment, createPost } from '../setup/factories.ts';
import { createHelpRequest } from '../setup/help-factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The admin pages' third part in Spanish and Arabic: blog moderation (the table, a refused
 * rejection, a decision's flash), blog categories (a refused name, the delete confirmation and its
 * plural, the flash after deleting), the help desk (the queue and one request), the announcements
 * list and the analytics page.
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };

describe('admin pages (part C) in Spanish and Arabic', () => {
  const t = useTestApp();

  it('blog moderation: the table in Spanish, a refused rejection beside its row, a decision told after the redirect', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const category = await createBlogCategory(t.db, { name: 'Consejos' });
    const post = await createPost(t.db, { title: 'Estudiar con música', status: 'Pending', publishedAt: null, categoryId: category.id });

    const page = await admin.agent.get('/admin/blog').set(es).expect(200);
    expect(page.text).toContain('<html lang="es" dir="ltr">');
    expect(page.text).toContain('<h1>Moderación del blog</h1>');
    expect(page.text).toContain('<a href="/admin/blog/categories">Categorías del blog</a>');
    expect(page.text).toContain('aria-label="Publicaciones por estado"');
    expect(page.text).toMatch(/aria-current="page">Pendiente \(1\)<\/a>/);
    expect(page.text).toContain('Retirada (0)');
    expect(page.text).toContain('<option value="yes">Solo destacadas</option>');
    expect(page.text).toContain('<button class="button">Filtrar</button>');
    expect(page.text).toContain('Decidir');
    expect(page.text).toContain('Aprobar<span class="sr-only"> Estudiar con música</span>');
    expect(page.text).toContain('Motivo<span class="sr-only"> para rechazar Estudiar con música</span>');

    const refused = await admin.post(`/admin/blog/${post.id}/reject`, { rejectionReason: '' }).set(es).expect(422);
    expect(refused.text).toContain('Indica un motivo al autor.');

    const done = await admin.post(`/admin/blog/${post.id}/approve`).set(es).expect(303);
    const after = await admin.agent.get(done.headers.location!).set(es).expect(200);
    expect(after.text).toContain('«Estudiar con música»: aprobada y publicada; se avisó al autor.');
    expect(after.text).toContain('No hay publicaciones en espera de moderación.');
  });

  it('blog categories: a refused name, the delete confirmation with its plural, the flash after deleting', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const taken = await createBlogCategory(t.db, { name: 'Idiomas' });

    const list = await admin.agent.get('/admin/blog/categories').set(es).expect(200);
    expect(list.text).toContain('<h1>Categorías del blog</h1>');
    expect(list.text).toContain('<h2>Añadir una categoría</h2>');
    expect(list.text).toContain('<button class="button">Añadir categoría</button>');
    expect(list.text).toContain('La dirección: /blog?category=slug. Si lo dejas vacío, se crea a partir del nombre.');

    const empty = await admin.post('/admin/blog/categories', { name: '', slug: '' }).set(es).expect(422);
    expect(empty.text).toContain('Escribe un nombre.');
    const dup = await admin.post('/admin/blog/categories', { name: 'Idiomas', slug: 'otra' }).set(es).expect(422);
    expect(dup.text).toContain('Ya existe una categoría con este nombre.');

    const none = await admin.agent.get(`/admin/blog/categories/${taken.id}`).set(es).expect(200);
    expect(none.text).toContain('<h1>Editar categoría: Idiomas</h1>');
    expect(none.text).toContain('No tiene publicaciones.');
    expect(none.text).toContain('<button class="button danger">Borrar Idiomas</button>');

    const one = await createBlogCategory(t.db, { name: 'Música' });
    await createPost(t.db, { categoryId: one.id });
    expect((await admin.agent.get(`/admin/blog/categories/${one.id}`).set(es).expect(200)).text).toContain('Su 1 publicación se queda en el blog, sin categoría.');

    const three = await createBlogCategory(t.db, { name: 'Arte' });
    for (let i = 0; i < 3; i++) await createPost(t.db, { categoryId: three.id });
    expect((await admin.agent.get(`/admin/blog/categories/${three.id}`).set(es).expect(200)).text).toContain('Sus 3 publicaciones se quedan en el blog, sin categoría.');
    const arabic = await admin.agent.get(`/admin/blog/categories/${three.id}`).set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('تبقى تدويناتها الـ3 في المدونة، بلا فئة.');

    const deleted = await admin.post(`/admin/blog/categories/${three.id}/delete`).set(es).expect(303);
    const after = await admin.agent.get(deleted.headers.location!).set(es).expect(200);
    expect(after.text).toContain('Categoría «Arte» eliminada. Sus 3 publicaciones se quedan, sin categoría.');
  });

  it('the help desk: the queue and one request in Spanish, an answer told after the redirect; the queue in Arabic right to left', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const student = await signedInAs(t.app, t.db, 'student', { firstName: 'Rosa' });
    const request = await createHelpRequest(t.db, { userId: student.user.id, subject: 'No veo mi certificado' });

    const queue = await admin.agent.get('/admin/help').set(es).expect(200);
    expect(queue.text).toContain('<h1>Centro de ayuda</h1>');
    expect(queue.text).toMatch(/aria-current="page">Abiertas \(1\)<\/a>/);
    expect(queue.text).toContain('<label for="type">Tipo de usuario</label>');
    expect(queue.text).toContain('<option value="Teacher">Profesor</option>');
    expect(queue.text).toContain('<option value="3">Con más de 3 días</option>');
    expect(queue.text).toContain('<option value="1">Con más de 1 día</option>');
    expect(queue.text).toContain('placeholder="el asunto o el correo contiene"');
    expect(queue.text).toContain('<span class="muted">(Estudiante)</span>');
    expect(queue.text).toContain('Última actividad');

    const filtered = await admin.agent.get('/admin/help?q=nada-parecido').set(es).expect(200);
    expect(filtered.text).toContain('Ninguna solicitud de ayuda abierta coincide con estos filtros.');

    const page = await admin.agent.get(`/admin/help/${request.id}`).set(es).expect(200);
    expect(page.text).toContain('<title>Ayuda: No veo mi certificado');
    expect(page.text).toContain('<dt>Tipo de usuario</dt><dd>Estudiante</dd>');
    expect(page.text).toContain('<span class="arrow">←</span> Centro de ayuda</a>');

    const empty = await admin.post(`/admin/help/${request.id}/answer`, { body: '' }).set(es).expect(422);
    expect(empty.text).toContain('Primero escribe tu mensaje.');
    const answered = await admin.post(`/admin/help/${request.id}/answer`, { body: 'Ya está disponible.' }).set(es).expect(303);
    const after = await admin.agent.get(answered.headers.location!).set(es).expect(200);
    expect(after.text).toContain('Respondida; se avisó a quien la hizo.');

    const arabic = await admin.agent.get('/admin/help?status=all').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h1>مكتب المساعدة</h1>');
    expect(arabic.text).toMatch(/aria-current="page">الكل \(1\)<\/a>/);
    expect(arabic.text).toContain('<option value="1">أقدم من يوم واحد</option>');
    expect(arabic.text).toContain('<option value="7">أقدم من 7 أيام</option>');
  });

  it('the announcements list and the analytics page in Spanish', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await createAnnouncement(t.db, { title: 'Fechas de examen', createdById: admin.user.id });
    const list = await admin.agent.get('/admin/announcements').set(es).expect(200);
    expect(list.text).toContain('<h1>Anuncios</h1>');
    expect(list.text).toContain('Fechas de examen');

    // A paid enrollment and two searches, so that the sentences under the charts have numbers in them.
    const course = await createCourse(t.db, { title: 'Álgebra', price: 1_234_567 });
    const enrollment = await createEnrollment(t.db, { courseId: course.id });
    await t.db.insertInto('paymentTransaction').values({ enrollmentId: enrollment.id, amount: 1_234_567, status: 'Completed' }).execute();
    await t.db.insertInto('searchAnalytics').values([{ query: 'física', resultsCount: 3 }, { query: 'física', resultsCount: 0 }]).execute();

    const page = await admin.agent.get('/admin/analytics?range=30d').set(es).expect(200);
    expect(page.text).toContain('<title>Estadísticas · Edupeak</title>');
    expect(page.text).toContain('<h1>Estadísticas</h1>');
    expect(page.text).toContain('aria-current="page">Últimos 30 días</a>');
    expect(page.text).toContain('Por día, en tu zona horaria (UTC). Las cifras de cada gráfico están debajo de él y en CSV.');
    expect(page.text).toContain('<h2>Crecimiento</h2>');
    expect(page.text).toContain('<h2>Cursos principales</h2>');
    expect(page.text).toContain('Solicitudes enviadas en los últimos 30 días, según su estado actual. <a href="/admin/teacher-applications?status=Pending">Revisa las que esperan</a>.');
    expect(page.text).toContain('<strong>2</strong> búsquedas en los últimos 30 días');
    expect(page.text).toContain('<figcaption>Registros</figcaption>');
    expect(page.text).toContain('<figcaption>Cursos con más inscripciones</figcaption>');
    expect(page.text).toContain('Todas las búsquedas, por periodo, en la página Búsqueda');
    // The sentences under the charts: whole Spanish sentences, amounts and numbers written the Spanish way
    // (Intl puts a no-break space before the currency and the percent sign: compared as spaces here).
    const said = page.text.replace(/[\u00a0\u202f]/g, ' ');
    expect(said).toContain('<desc id="revenue-d">Ingresos netos de 12.345,67 US$ en los últimos 30 días: 12.345,67 US$ cobrados menos 0,00 US$ reembolsados. Un pago cuenta cuando se hizo, y un reembolso cuando se concedió.</desc>');
    expect(said).toContain('Álgebra fue el curso que más ingresó en los últimos 30 días: 12.345,67 US$ netos de reembolsos.');
    expect(said).toContain('Álgebra fue el curso con más inscripciones en los últimos 30 días: 1.');
    expect(said).toMatch(/<desc id="enrollments-d">1 inscripción en los últimos 30 días, con el máximo el \d{1,2} [a-z]+\.? \(1\)\. No se cuentan los pagos que nunca se completaron\.<\/desc>/);
    expect(said).toMatch(/<desc id="sign-ups-d">\d+ personas se registraron en los últimos 30 días, con el máximo el \d{1,2} [a-z]+\.? \(\d+\)\.<\/desc>/);
    expect(said).toContain('2 búsquedas en los últimos 30 días; el 0 % llevó a abrir un resultado. Lo más buscado: «física» (2).');
    expect(said).toContain('1 búsqueda no encontró nada en los últimos 30 días; la más buscada: «física» (1).');
    expect(page.text).not.toMatch(/in the last 30 days|signed up|most in/);

    const arabic = await admin.agent.get('/admin/analytics').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h2>النمو</h2>');
    expect(arabic.text).toContain('<strong>2</strong> عمليتا بحث في آخر 90 يومًا');
    // A sentence under a chart in Arabic, its plural the dual.
    expect(arabic.text).toContain('عمليتا بحث في آخر 90 يومًا؛ أدّى');
    expect(arabic.text).toContain('حصلت Álgebra على أكثر التسجيلات في آخر 90 يومًا: 1.');
    expect(arabic.text).not.toMatch(/in the last 90 days|signed up|most in/);
  });
});
