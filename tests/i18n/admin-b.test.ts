import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';
import { waitForMailTo } from '../setup/outbox.ts';

/**
 * The admin pages' second half in Spanish and Arabic: the users table and a user's page (roles,
 * statuses, a refused ban), sign-ins and who is online, payments and a refund (the student told in
 * their own language), search analytics, settings (a refused value in the reader's numbers),
 * teacher applications and workspaces (a flash after a redirect).
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };

describe('admin pages (second half) in Spanish and Arabic', () => {
  const t = useTestApp();

  async function superAdmin() {
    const a = await signedInAs(t.app, t.db, 'admin');
    await addMembership(t.db, a.user.id, 'SuperAdmin');
    return a;
  }

  async function paid(amount = 2000, studentLanguage: string | null = null) {
    const student = await createUser(t.db, { firstName: 'Rita' });
    if (studentLanguage) await t.db.updateTable('user').set({ language: studentLanguage }).where('id', '=', student.id).execute();
    const course = await createCourse(t.db, { title: `Acuarela ${student.id.slice(0, 6)}`, price: amount });
    const enrollment = await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Active', amount });
    const transaction = await t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount, status: 'Completed', paymentMethod: 'card' })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { student, course, enrollment, transaction };
  }

  it('the users table and a user page: Spanish headings, filters, roles and buttons; Arabic right to left', async () => {
    const admin = await superAdmin();
    const person = await createUser(t.db, { firstName: 'Lucía' });

    const list = await admin.agent.get('/admin/users').set(es).expect(200);
    expect(list.text).toContain('<html lang="es" dir="ltr">');
    expect(list.text).toContain('<h1>Usuarios</h1>');
    expect(list.text).toContain('<button class="button">Filtrar</button>');
    expect(list.text).toContain('<option value="teacher">profesor</option>');
    expect(list.text).toContain('<option value="yes">Bloqueado</option>');
    expect(list.text).toContain('Última vez visto');

    const page = await admin.agent.get(`/admin/users/${person.id}`).set(es).expect(200);
    expect(page.text).toContain('<h2 id="actions-title">Acciones</h2>');
    expect(page.text).toContain('<button class="button danger">Bloquear a Lucía');
    expect(page.text).toContain('Enviar un enlace para restablecer la contraseña');
    expect(page.text).toContain('<option value="student" selected>estudiante</option>');
    expect(page.text).toContain('No hay inscripciones.');

    const arabic = await admin.agent.get(`/admin/users/${person.id}`).set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h2 id="actions-title">الإجراءات</h2>');
    expect(arabic.text).toContain('حظر Lucía');
    expect(arabic.text).toContain('<option value="student" selected>طالب</option>');
  });

  it('a refused ban comes back with its messages in Spanish, the time zone kept; the done ban is told in Spanish after the redirect', async () => {
    const admin = await superAdmin();
    const person = await createUser(t.db);
    const refused = await admin.post(`/admin/users/${person.id}/ban`, { banReason: '', banLength: 'until', banExpires: '' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Indica un motivo: la persona lo verá cuando intente iniciar sesión.');
    expect(refused.text).toContain('Corrige');

    const past = await admin.post(`/admin/users/${person.id}/ban`, { banReason: 'Spam', banLength: 'until', banExpires: '2001-01-01T09:00' }).set(es);
    expect(past.status).toBe(422);
    expect(past.text).toContain('El fin del bloqueo debe estar en el futuro (UTC).');

    const done = await admin.post(`/admin/users/${person.id}/ban`, { banReason: 'Spam', banLength: 'permanent' }).set(es).expect(303);
    const after = await admin.agent.get(done.headers.location!).set(es).expect(200);
    expect(after.text).toContain('Bloqueado para siempre. Se cerró la sesión en 0 dispositivos.');
    expect(after.text).toContain('para siempre. Motivo: Spam');
  });

  it('sign-ins and who is online: headings, results, periods and devices in Spanish and Arabic', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const logins = await admin.agent.get('/admin/logins').set(es).expect(200);
    expect(logins.text).toContain('<h1>Inicios de sesión</h1>');
    expect(logins.text).toContain('placeholder="empieza por"');
    expect(logins.text).toContain('Intentos de inicio de sesión, los más recientes primero');

    const online = await admin.agent.get('/admin/online?within=60').set(es).expect(200);
    expect(online.text).toContain('<h1>Quién está conectado</h1>');
    expect(online.text).toContain('<option value="60" selected>los últimos 60 minutos</option>');
    expect(online.text).toContain('<option value="1440">el último día</option>');

    const arabic = await admin.agent.get('/admin/online').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h1>من المتصل الآن</h1>');
    expect(arabic.text).toContain('آخر يوم');
  });

  it('payments and a refund in Spanish; a refused amount in Spanish; the student is told in Arabic, their language', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const p = await paid(2000, 'ar');
    const table = await admin.agent.get(`/admin/payments?course=${encodeURIComponent(p.course.title)}`).set(es).expect(200);
    expect(table.text).toContain('<h1>Pagos</h1>');
    expect(table.text).toContain('<option value="Completed">Completado</option>');
    expect(table.text).toContain('>Completado</span>');
    expect(table.text).toContain('20,00');

    const tooMuch = await admin.agent.get(`/admin/payments/${p.transaction.id}/refund`).query({ amount: '25', reason: 'Error' }).set(es);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toMatch(/Quedan como máximo 20,00\s?US\$ por reembolsar\./);

    const confirm = await admin.agent.get(`/admin/payments/${p.transaction.id}/refund`).query({ amount: '', reason: 'Curso cancelado' }).set(es).expect(200);
    expect(confirm.text).toContain('<h2>Qué va a pasar</h2>');
    expect(confirm.text).toContain('El estudiante pierde el acceso al curso:');
    expect(confirm.text).toMatch(/<button type="submit" class="button danger">Reembolsar 20,00\s?US\$<\/button>/);

    const done = await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '', reason: 'Curso cancelado', confirm: 'yes' }).set(es).expect(303);
    const after = await admin.agent.get(done.headers.location!).set(es).expect(200);
    expect(after.text).toMatch(/Se reembolsaron 20,00\s?US\$ a /);

    // The CSV's header row is in the admin's language; its values stay plain.
    const csv = await admin.agent.get(`/admin/payments?course=${encodeURIComponent(p.course.title)}&format=csv`).set(es).expect(200);
    expect(csv.text.split('\n')[0]).toContain('id,estudiante,correo,curso,importe,moneda,estado,reembolsado');
    expect(csv.text).toContain(',20.00,USD,Refunded,');

    // The student reads Arabic: their notice and mail are in it.
    const note = await t.db.selectFrom('notification').selectAll().where('userId', '=', p.student.id).executeTakeFirstOrThrow();
    expect(note.title).toContain('استرداد');
    expect(note.message).toContain('السبب: Curso cancelado');
    const mail = await waitForMailTo(t.config.dataDir, p.student.email);
    expect(mail.subject).toContain('استرداد مبلغ');
    expect(mail.text).toContain('يعود المال إلى البطاقة');
  });

  it('search analytics and settings in Spanish; a refused setting says its range with the reader’s separators', async () => {
    const admin = await superAdmin();
    const search = await admin.agent.get('/admin/search?days=7').set(es).expect(200);
    expect(search.text).toContain('<h1>Búsqueda</h1>');
    expect(search.text).toContain('<h2>En los últimos 7 días</h2>');
    expect(search.text).toContain('Consultas sin resultados');

    const settings = await admin.agent.get('/admin/settings').set(es).expect(200);
    expect(settings.text).toContain('<h1>Ajustes</h1>');
    expect(settings.text).toContain('Puntos que gasta un estudiante para abrir antes de tiempo un capítulo o lección programados.');
    expect(settings.text).toContain('>Aprendizaje</h2>');
    expect(settings.text).toContain('Primera lección completada: 10');

    const refused = await admin.post('/admin/settings/learning.earlyUnlockPoints', { value: '20000' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Escribe un número de 0 a 10.000.');

    const arabic = await admin.agent.get('/admin/settings/learning.earlyUnlockPoints').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain(`عدد صحيح من ${new Intl.NumberFormat('ar').format(0)} إلى ${new Intl.NumberFormat('ar').format(10_000)}؛`);
  });

  it('teacher applications and workspaces in Spanish; a workspace flash after the redirect; Arabic roles', async () => {
    const admin = await superAdmin();
    const apps = await admin.agent.get('/admin/teacher-applications').set(es).expect(200);
    expect(apps.text).toContain('<h1>Solicitudes de profesores</h1>');
    expect(apps.text).toContain('>Pendientes</a>');
    expect(apps.text).toContain('No hay solicitudes pendientes.');

    const list = await admin.agent.get('/admin/workspaces').set(es).expect(200);
    expect(list.text).toContain('<h1>Espacios de trabajo</h1>');
    expect(list.text).toContain('<button class="button">Crear espacio de trabajo</button>');

    const refused = await admin.post('/admin/workspaces', { name: '', slug: 'Bad Slug', description: '' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Escribe un nombre.');

    const created = await admin.post('/admin/workspaces', { name: 'Campus Norte', slug: '', description: '' }).set(es).expect(303);
    const page = await admin.agent.get(created.headers.location!).set(es).expect(200);
    expect(page.text).toContain('Espacio de trabajo &quot;Campus Norte&quot; creado; eres su superadministrador.');
    expect(page.text).toContain('<h2>Invitar a alguien</h2>');
    expect(page.text).toContain('<option value="Admin" selected>Administrador</option>');

    // A plain admin is refused a SuperAdmin's action in their language.
    const plain = await signedInAs(t.app, t.db, 'admin');
    const forbidden = await plain.post('/admin/workspaces', { name: 'X', slug: '', description: '' }).set(es);
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toContain('Solo un superadministrador de un espacio de trabajo puede hacer esto.');

    const arabic = await admin.agent.get(created.headers.location!).set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('>مشرف عام</td>');
    expect(arabic.text).toContain('دعوة شخص');
  });
});
