import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onFormatError } from '../../src/i18n/translator.ts';
import { useTestApp } from '../setup/app.ts';
import { createAssignment, createAssignmentSubmission, createChapter, createCourse, createEnrollment, createLesson, createQuestion, createQuiz } from '../setup/factories.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { newAgent } from '../setup/forms.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The student pages in Spanish and Arabic: the catalogue (prices and lengths in the reader's
 * language), a course page, a lesson (completion, quiz, rating), the dashboard, the points page,
 * the leaderboard, checkout and the test checkout, the payments and billing pages; refused forms
 * answer in the reader's language, and the flash and the notice after a completion too.
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };

describe('student pages in Spanish and Arabic', () => {
  const t = useTestApp();

  /** A signed-in student who chose `language` (user.language wins over the browser's). */
  async function readerOf(language: 'es' | 'ar', overrides = {}) {
    const me = await signedInAs(t.app, t.db, 'student', overrides);
    await t.db.updateTable('user').set({ language }).where('id', '=', me.user.id).execute();
    return me;
  }

  async function courseWithLessons(overrides = {}) {
    const course = await createCourse(t.db, { title: 'Álgebra básica', price: 0, duration: 90, level: 'Beginner', ...overrides });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Capítulo uno' });
    const lessons = [await createLesson(t.db, { chapterId: chapter.id, title: 'Primera' }), await createLesson(t.db, { chapterId: chapter.id, title: 'Segunda' })];
    return { course, chapter, lessons };
  }

  it('the catalogue: Spanish heading, filters and button, prices "19,99 US$" and lengths in Spanish; Arabic right to left', async () => {
    await createCourse(t.db, { title: 'Paid course', price: 1999, duration: 90, level: 'Intermediate' });
    await createCourse(t.db, { title: 'Free course', price: 0, duration: 45, level: 'Beginner' });

    const spanish = await newAgent(t.app).get('/courses').set(es).expect(200);
    expect(spanish.headers['content-language']).toBe('es');
    expect(spanish.text).toContain('<html lang="es" dir="ltr">');
    expect(spanish.text).toContain('<h1>Cursos</h1>');
    expect(spanish.text).toContain('<label for="q">Buscar cursos</label>');
    expect(spanish.text).toContain('placeholder="Título, tema o profesor"');
    expect(spanish.text).toContain('<option value="Beginner">Principiante</option>');
    expect(spanish.text).toContain('<option value="rating">Mejor valorados</option>');
    expect(spanish.text).toMatch(/<p class="price">19,99\sUS\$<\/p>/);
    expect(spanish.text).toContain('<p class="price">Gratis</p>');
    expect(spanish.text).toContain('<span>1 h 30 min</span>');
    expect(spanish.text).toContain('<span>Intermedio</span>');
    expect(spanish.text).toMatch(/role="status">2 cursos<\/p>/);

    const search = await newAgent(t.app).get('/courses?q=paid').set(es).expect(200);
    expect(search.text).toContain('1 curso para «paid»');

    const arabic = await newAgent(t.app).get('/courses').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<label for="q">ابحث في الدورات</label>');
    expect(arabic.text).toContain('<p class="price">مجاني</p>');
    expect(arabic.text).toContain('<span>مبتدئ</span>');
  });

  it('a course page: sections, facts and the enroll button in Spanish; a visitor is asked to sign in, in Arabic', async () => {
    const { course } = await courseWithLessons();
    const student = await readerOf('es');
    const page = await student.agent.get(`/courses/${course.slug}`).expect(200);
    expect(page.text).toContain('<h2 id="about-title">Acerca de este curso</h2>');
    expect(page.text).toContain('<h2 id="curriculum-title">Temario</h2>');
    expect(page.text).toContain('<li>2 lecciones</li>');
    expect(page.text).toContain('<li>Todavía sin valoraciones</li>');
    expect(page.text).toContain('<button type="submit" class="button">Inscribirme gratis</button>');
    expect(page.text).toContain('Todavía no hay reseñas escritas.');

    const visitor = await newAgent(t.app).get(`/courses/${course.slug}`).set(ar).expect(200);
    expect(visitor.text).toContain('<html lang="ar" dir="rtl">');
    expect(visitor.text).toContain('سجّل الدخول للتسجيل في الدورة');
    expect(visitor.text).toContain('جديد هنا؟ <a href="/auth/register?next=');
  });

  it('enrolling answers with a Spanish flash; a lesson, its completion (flash, badge and notice) and the dashboard in Spanish', async () => {
    const { course, lessons } = await courseWithLessons();
    const student = await readerOf('es');
    const enrolled = await student.post(`/courses/${course.slug}/enroll`).expect(303);
    const after = await student.agent.get(enrolled.headers.location!).expect(200);
    expect(after.text).toContain('Ya estás inscrito en «Álgebra básica». ¡Disfruta del curso!');

    const lessonUrl = `/learn/${course.slug}/lessons/${lessons[0]!.id}`;
    const lesson = await student.agent.get(lessonUrl).expect(200);
    expect(lesson.headers['content-language']).toBe('es');
    expect(lesson.text).toContain('<button type="submit" class="button" aria-pressed="false">Marcar como completada</button>');
    expect(lesson.text).toContain('<span>0 de 2 lecciones · 0 %</span>');
    expect(lesson.text).toContain('<h2>Contenido</h2>');
    expect(lesson.text).toContain('<h2 id="rate-title">Valora este curso</h2>');

    // Completed without htmx: the flash after the redirect names the badge in Spanish, and so does the notice.
    await student.post(`${lessonUrl}/complete`, { completed: 'true' }).expect(303);
    const done = await student.agent.get(lessonUrl).expect(200);
    expect(done.text).toContain('¡Bien hecho! Insignia obtenida: Primera lección completada.');
    expect(done.text).toContain('Completada · marcar como no hecha');
    const notice = await t.db.selectFrom('notification').select(['title', 'message']).where('userId', '=', student.user.id).where('type', '=', 'PointsEarned').executeTakeFirstOrThrow();
    expect(notice.title).toBe('Insignia obtenida: Primera lección completada');
    expect(notice.message).toMatch(/^Ganaste \d+ puntos? en «Álgebra básica»\.$/);

    // With htmx: the fragment in Spanish too.
    const htmx = await student.agent.post(`/learn/${course.slug}/lessons/${lessons[1]!.id}/complete`).set('HX-Request', 'true').set('x-csrf-token', student.csrf).type('form').send({ completed: 'true' });
    expect(htmx.status).toBe(200);
    expect(htmx.text).toContain('2 de 2 lecciones · 100 %');

    const dashboard = await student.agent.get('/dashboard').expect(200);
    expect(dashboard.text).toContain('<h1>Tu panel</h1>');
    expect(dashboard.text).toContain('<h2 id="my-courses">Tus cursos</h2>');
    expect(dashboard.text).toContain('Primera lección completada');
    expect(dashboard.text).toContain('<h2 id="my-badges">Insignias</h2>');
    // The points history line is written in the student's language too.
    expect(dashboard.text).toContain('Primera lección completada en «Álgebra básica»');

    const points = await student.agent.get('/dashboard/points').expect(200);
    expect(points.text).toContain('<h1>Tus puntos</h1>');
    expect(points.text).toMatch(/Tienes <strong>\d+<\/strong> puntos?\./);
  });

  it('a refused rating and a refused quiz answer in Spanish; a lesson in Arabic is right to left', async () => {
    const { course, lessons } = await courseWithLessons();
    const quiz = await createQuiz(t.db, { lessonId: lessons[1]!.id, title: 'Repaso', required: true });
    const question = await createQuestion(t.db, { quizId: quiz.id, question: '¿2 + 2?', options: ['3', '4'], correctAnswer: 1 });
    const student = await readerOf('es');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });

    const refused = await student.post(`/learn/${course.slug}/rating`, { rating: '9', lessonId: lessons[0]!.id });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Elige de 1 a 5 estrellas.');

    const quizPage = await student.agent.get(`/learn/${course.slug}/lessons/${lessons[1]!.id}`).expect(200);
    expect(quizPage.text).toContain('1 pregunta');
    expect(quizPage.text).toContain('Obligatorio: apruébalo (');
    expect(quizPage.text).toContain('Aprueba el cuestionario (');
    const wrong = await student.agent
      .post(`/learn/${course.slug}/lessons/${lessons[1]!.id}/quiz`)
      .set('HX-Request', 'true')
      .set('x-csrf-token', student.csrf)
      .type('form')
      .send({ [question.id]: '7' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Una de las respuestas no es una opción de su pregunta.');
    const answered = await student.agent
      .post(`/learn/${course.slug}/lessons/${lessons[1]!.id}/quiz`)
      .set('HX-Request', 'true')
      .set('x-csrf-token', student.csrf)
      .type('form')
      .send({ [question.id]: '0' });
    expect(answered.text).toContain('<h3>Tu resultado</h3>');
    expect(answered.text).toContain('Aún no aprobado');
    expect(answered.text).toContain('Tu respuesta: 3');

    const arabic = await readerOf('ar');
    await createEnrollment(t.db, { userId: arabic.user.id, courseId: course.id, status: 'Active' });
    const lesson = await arabic.agent.get(`/learn/${course.slug}/lessons/${lessons[0]!.id}`).expect(200);
    expect(lesson.text).toContain('<html lang="ar" dir="rtl">');
    expect(lesson.text).toContain('وضع علامة مكتمل');
    expect(lesson.text).toContain('<h2 id="rate-title">قيّم هذه الدورة</h2>');
  });

  it('checkout: the test checkout and the confirmation in Spanish, the price "29,99 US$"; the payments page and a refused billing form', async () => {
    const course = await createCourse(t.db, { title: 'De pago', price: 2999 });
    const student = await readerOf('es');
    const res = await student.post(`/courses/${course.slug}/enroll`).expect(303);
    const checkout = await student.agent.get(res.headers.location!).expect(200);
    expect(checkout.text).toContain('<h1>Pago de prueba — sin cobro real</h1>');
    expect(checkout.text).toMatch(/Precio: <strong>29,99\sUS\$<\/strong>/);
    expect(checkout.text).toContain('<button type="submit" class="button">Completar el pago de prueba</button>');
    const enrollment = await t.db.selectFrom('enrollment').select('id').where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    const waiting = await student.agent.get(`/checkout/success?enrollment=${enrollment.id}`).expect(200);
    expect(waiting.text).toContain('<h1>Confirmando tu pago</h1>');
    expect(waiting.text).toContain('Estamos confirmando tu pago de <strong>De pago</strong>.');

    const done = await student.agent.post(`${res.headers.location}/complete`).type('form').send({ _csrf: csrfTokenOf(checkout.text) });
    const success = await student.agent.get(done.headers.location!).expect(200);
    expect(success.text).toContain('Pago recibido: ya estás inscrito en <strong>De pago</strong>.');

    const payments = await student.agent.get('/account/payments').expect(200);
    expect(payments.text).toContain('<h1>Tus pagos</h1>');
    expect(payments.text).toMatch(/29,99\sUS\$/);
    expect(payments.text).toContain('Completado');

    const billing = await student.agent.get('/account/billing').expect(200);
    expect(billing.text).toContain('<h1>Dirección de facturación</h1>');
    const refused = await student.agent.post('/account/billing').type('form').send({ _csrf: csrfTokenOf(billing.text), firstName: '', lastName: 'X', email: 'a@b.example', addressLine1: '', city: 'Bogotá', state: 'DC', postalCode: '110111', country: 'CO' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('El nombre es obligatorio.');
    expect(refused.text).toContain('La dirección es obligatoria.');
  });

  it('the leaderboard and the home page in Arabic and Spanish', async () => {
    const board = await newAgent(t.app).get('/leaderboard').set(ar).expect(200);
    expect(board.text).toContain('<html lang="ar" dir="rtl">');
    expect(board.text).toContain('<h1>لوحة المتصدرين</h1>');
    expect(board.text).toContain('هذا الأسبوع');
    const month = await newAgent(t.app).get('/leaderboard?period=month').set(es).expect(200);
    expect(month.text).toContain('<h1>Clasificación</h1>');
    expect(month.text).toContain('Los mejores estudiantes de cada mes ganan la insignia <em>Mejor estudiante del mes</em>.');
    expect(month.text).toContain('<h2 id="past-winners">Ganadores de ');

    await createCourse(t.db, { title: 'Portada', price: 500 });
    const home = await newAgent(t.app).get('/').set(es).expect(200);
    expect(home.text).toContain('<h1>Aprende en cualquier lugar, incluso con una conexión lenta</h1>');
    expect(home.text).toContain('<h2 id="featured-title">Cursos destacados</h2>');
    expect(home.text).toMatch(/5,00\sUS\$/);
  });

  describe('every other kind of student page', () => {
    // A message whose translation does not format (a placeholder missing, a broken plural) falls
    // back to English with a warning: here it fails the test instead.
    const broken: string[] = [];
    beforeEach(() => onFormatError((message, error) => broken.push(`${message}: ${(error as Error).message}`)));
    afterEach(() => onFormatError(() => {}));

    it('renders in Spanish and Arabic without a formatting error: an assignment with its due date and grade, grades, a certificate, a cancelled enrollment, points, the leaderboard', async () => {
      const { course, lessons } = await courseWithLessons();
      const assignment = await createAssignment(t.db, { lessonId: lessons[0]!.id, title: 'Ensayo', points: 20, dueDate: new Date(Date.now() + 3.5 * 86_400_000) });
      for (const language of ['es', 'ar'] as const) {
        const me = await readerOf(language);
        const enrollment = await createEnrollment(t.db, { userId: me.user.id, courseId: course.id, status: 'Active', certificateEarned: true, certificateIssuedAt: new Date() });
        await createAssignmentSubmission(t.db, { assignmentId: assignment.id, userId: me.user.id, status: 'Graded', grade: 17, feedback: 'Bien' });
        const pages = [
          `/learn/${course.slug}/lessons/${lessons[0]!.id}`,
          `/learn/${course.slug}/grades`,
          `/certificates/${enrollment.id}`,
          '/dashboard',
          '/dashboard/points',
          '/leaderboard',
          '/leaderboard?period=month',
          '/account/payments',
          `/courses/${course.slug}`,
        ];
        for (const page of pages) {
          const res = await me.agent.get(page).expect(200);
          expect(res.text, page).toContain(`<html lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}">`);
        }
        const lesson = await me.agent.get(pages[0]!).expect(200);
        expect(lesson.text).toContain(language === 'es' ? 'Vence en 3 días' : 'يحين موعده خلال 3 أيام');
        expect(lesson.text).toContain(language === 'es' ? 'Calificación: 17 de 20' : 'الدرجة: 17 من 20');
        const grades = await me.agent.get(pages[1]!).expect(200);
        expect(grades.text).toContain(language === 'es' ? '<h1>Mis calificaciones</h1>' : '<h1>درجاتي</h1>');
        const certificate = await me.agent.get(pages[2]!).expect(200);
        expect(certificate.text).toContain(language === 'es' ? '<strong>VÁLIDO</strong>' : '<strong>صالحة</strong>');

        // Cancelled: the lessons answer with the reason, in the reader's language.
        await t.db.updateTable('enrollment').set({ status: 'Cancelled' }).where('id', '=', enrollment.id).execute();
        const refused = await me.agent.get(`/learn/${course.slug}`).expect(403);
        expect(refused.text).toContain(language === 'es' ? 'Inscribirme de nuevo' : 'سجّل مجددًا');
      }
      expect(broken).toEqual([]);
    });
  });
});

