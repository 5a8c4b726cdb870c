import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectNoFormatErrors } from '../setup/i18n.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { createAdmin, createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { seedActivity, seedErrors } from '../setup/log-factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The admin pages' first half in Spanish and Arabic: the overview with its plurals, the tabs, the
 * activity log (actions and entity types in the admin's language, codes kept in the filters'
 * values), enrollments (statuses, a refused activation beside its row, the flash), the errors list
 * and one error, the View as button and viewing as someone (banner, refusals, the flash back);
 * the overview right to left.
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };

describe('admin pages (first half) in Spanish and Arabic', () => {
  const t = useTestApp();
  expectNoFormatErrors();

  it('the overview and its tabs in Spanish; in Arabic right to left', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await createUser(t.db, { banned: true });
    const home = await admin.agent.get('/admin').set(es).expect(200);
    expect(home.text).toContain('<html lang="es" dir="ltr">');
    expect(home.text).toContain('<title>Administración · Edupeak</title>');
    expect(home.text).toContain('<h2>Requiere atención</h2>');
    expect(home.text).toMatch(/<strong>1<\/strong> usuario bloqueado</);
    expect(home.text).toContain('<strong>0</strong> errores en las últimas 24 horas');
    expect(home.text).toContain('<nav class="tabs" aria-label="Administración">');
    expect(home.text).toContain('>Solicitudes de profesores</a>');

    const arabic = await admin.agent.get('/admin').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h2>يحتاج إلى انتباه</h2>');
    expect(arabic.text).toContain('مستخدم محظور');
  });

  it('the activity log: actions and entity types in Spanish, the codes kept as the filter values', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await seedActivity(t.db, 8, admin.user.id);
    const page = await admin.agent.get('/admin/activity').set(es).expect(200);
    expect(page.text).toContain('<h1>Actividad</h1>');
    expect(page.text).toContain('<option value="course_updated">curso actualizado</option>');
    expect(page.text).toContain('<option value="enrollment">inscripción</option>');
    expect(page.text).toContain('8 acciones');
    // The count is a plural of its own in Arabic (3 to 10 take the few form).
    expect((await admin.agent.get('/admin/activity').set(ar).expect(200)).text).toContain('<span class="muted">8 إجراءات</span>');
    expect(page.text).toContain('>entrada aprobada</td>');
    expect(page.text).toContain('desde 10.0.0.');
    const csv = await admin.agent.get('/admin/activity?format=csv').set(es).expect(200);
    expect(csv.text.split('\n')[0]).toBe('id,fecha,id del autor,correo del autor,suplantado por,acción,tipo de entidad,id de la entidad,metadatos,ip,agente de usuario');
  });

  it('enrollments: statuses, a refused activation beside its row, the flash; errors and one error in Spanish', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const student = await createUser(t.db, { email: `sin-pago-${Date.now()}@example.com` });
    const course = await createCourse(t.db, { title: 'Acuarela', price: 2000 });
    const enrollment = await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Pending', amount: 2000 });
    const list = await admin.agent.get('/admin/enrollments').set(es).expect(200);
    expect(list.text).toContain('<option value="Pending">Pendiente</option>');
    expect(list.text).toContain('<span class="muted">1 inscripción</span>');
    expect(list.text).toContain('Sin pagar: para activarla hace falta un motivo.');
    expect(list.text).toContain('Activar<span class="sr-only">');

    const refused = await admin.post(`/admin/enrollments/${enrollment.id}/status`, { status: 'Active', reason: '' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Indica un motivo de al menos 3 caracteres: esta inscripción no es gratuita y no tiene ningún pago completado.');
    await admin.post(`/admin/enrollments/${enrollment.id}/status`, { status: 'Active', reason: 'Pagó en efectivo' }).expect(303);
    expect((await admin.agent.get('/admin/enrollments').set(es).expect(200)).text).toContain('Inscripción activada.');

    await seedErrors(t.db, 3, 1);
    const errors = await admin.agent.get('/admin/errors').set(es).expect(200);
    expect(errors.text).toContain('<h1>Errores</h1>');
    expect(errors.text).toContain('Una línea por tipo de error y mensaje');
    const id = (await t.db.selectFrom('errorLog').select('id').orderBy('createdAt', 'desc').executeTakeFirstOrThrow()).id;
    const one = await admin.agent.get(`/admin/errors/${id}`).set(es).expect(200);
    expect(one.text).toContain('<dt>Código de estado</dt>');
    expect(one.text).toMatch(/en esta fila; \d+ en total \(\d+ filas?\)/);
    expect(one.text).toContain('nadie había iniciado sesión');
  });

  it('View as on a user page in Spanish', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await addMembership(t.db, admin.user.id, 'SuperAdmin');
    const student = await createUser(t.db, { firstName: 'Vera', lastName: 'Vista' });
    const page = await admin.agent.get(`/admin/users/${student.id}`).set(es).expect(200);
    expect(page.text).toContain('Ver como Vera Vista');
    expect(page.text).toContain('Durante una hora como máximo ves cada página como la ve Vera Vista');
  });

  it('viewing as someone in Spanish: the banner, a refused start with its name, a refused form, the flash back', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin', { firstName: 'Ada', lastName: 'Admin' });
    await addMembership(t.db, admin.user.id, 'SuperAdmin');
    const otherAdmin = await createAdmin(t.db, { firstName: 'Otto', lastName: 'Otro' });
    const refused = await admin.post(`/admin/users/${otherAdmin.id}/impersonate`).set(es).expect(422);
    expect(refused.text).toContain('Otto Otro tiene rol de administrador: no se puede ver Edupeak como un administrador.');

    const sam = await createUser(t.db, { firstName: 'Sam', lastName: 'Serrano' });
    await admin.post(`/admin/users/${sam.id}/impersonate`).expect(303);
    const dashboard = await admin.agent.get('/dashboard').set(es).expect(200);
    const page = dashboard.text.replace(/\s+/g, ' ');
    expect(page).toContain('aria-label="Viendo como otra persona"');
    expect(page).toContain('<strong>Estás viendo Edupeak como Sam Serrano</strong>');
    expect(page).toContain('>Dejar de ver como</button>');
    const csrf = csrfTokenOf(dashboard.text);

    const password = await admin.agent.post('/account/password').set(es).type('form').send({ _csrf: csrf });
    expect(password.status).toBe(403);
    expect(password.text).toContain('No mientras ves Edupeak como otra persona.');

    const stop = await admin.agent.post('/impersonation/stop').type('form').send({ _csrf: csrf }).expect(303);
    expect(stop.headers.location).toBe(`/admin/users/${sam.id}`);
    const back = await admin.agent.get(stop.headers.location!).set(es).expect(200);
    expect(back.text).toContain('Dejaste de ver Edupeak como esa persona: vuelves a ser tú.');
    expect(back.text).toContain('Ver como Sam Serrano');
  });
});
