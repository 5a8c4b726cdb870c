import { beforeEach, describe, expect, it } from 'vitest';
import { msg } from '../../src/i18n/catalogue.ts';
import { translatorFor } from '../../src/i18n/translator.ts';
import { RateLimitedError } from '../../src/http/rate-limit.ts';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, submitForm } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { waitForMailTo } from '../setup/outbox.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * Accounts, sign-in and the shell in Spanish and Arabic: each kind of page (a sign-in form, a
 * refused form, the profile, the devices table, an error page), the messages shown after a
 * redirect, the ban message with its date in the reader's language, and mails in the recipient's.
 */

const days = (n: number) => new Date(Date.now() + n * 86_400_000);
const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };

describe('accounts in Spanish and Arabic', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  /** A signed-in student who chose `language` (set after signing in: the helper reads the English header). */
  async function readerOf(language: 'es' | 'ar') {
    const me = await signedInAs(t.app, t.db, 'student');
    await t.db.updateTable('user').set({ language }).where('id', '=', me.user.id).execute();
    return me;
  }

  it('the sign-in form: Spanish heading, labels and button; Arabic right to left', async () => {
    const spanish = await newAgent(t.app).get('/auth/login').set(es).expect(200);
    expect(spanish.headers['content-language']).toBe('es');
    expect(spanish.text).toContain('<html lang="es" dir="ltr">');
    expect(spanish.text).toContain('<h1>Iniciar sesión</h1>');
    expect(spanish.text).toContain('>Contraseña<');
    expect(spanish.text).toContain('<button type="submit" class="button">Iniciar sesión</button>');
    expect(spanish.text).toContain('¿Olvidaste tu contraseña?');
    // The nav is translated too.
    expect(spanish.text).toContain('<a href="/courses">Cursos</a>');

    const arabic = await newAgent(t.app).get('/auth/login').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h1>تسجيل الدخول</h1>');
    expect(arabic.text).toContain('نسيت كلمة المرور؟');
  });

  it('the reason on the sign-in form is one sentence with its link, in Spanish', async () => {
    const res = await newAgent(t.app).get('/auth/login?next=/dashboard').set(es).expect(200);
    expect(res.text).toContain(
      'Inicia sesión para ver tus cursos y certificados. ¿Eres nuevo? <a href="/auth/register?next=%2Fdashboard">Crea una cuenta gratis</a>.',
    );
  });

  it('a refused registration answers with its messages translated, at the fields and in the summary', async () => {
    const agent = newAgent(t.app);
    const form = await agent.get('/auth/register').set(es).expect(200);
    expect(form.text).toContain('<h1>Crea tu cuenta</h1>');
    expect(form.text).toContain('Al menos 10 caracteres. Una frase corta es fácil de recordar.');
    const res = await agent.post('/auth/register').set(es).type('form').send({ _csrf: csrfTokenOf(form.text), firstName: '', email: 'nope', password: 'short' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Corrige estos 3:');
    expect(res.text).toContain('Escribe tu nombre.');
    expect(res.text).toContain('Escribe una dirección de correo válida, como nombre@ejemplo.com.');
    expect(res.text).toContain('Usa al menos 10 caracteres.');

    const arabic = await agent.post('/auth/register').set(ar).type('form').send({ _csrf: csrfTokenOf(form.text), firstName: '', email: 'a@b.example', password: 'long enough password' });
    expect(arabic.status).toBe(422);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('أدخل اسمك الأول.');
  });

  it('a wrong password is refused in Spanish; the CSRF refusal too', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    const form = await agent.get('/auth/login').set(es);
    const res = await agent.post('/auth/login').set(es).type('form').send({ _csrf: csrfTokenOf(form.text), email: user.email, password: 'not the password' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('El correo o la contraseña no son correctos.');

    const forged = await newAgent(t.app).post('/auth/login').set(es).type('form').send({ email: user.email, password: user.password });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('Este formulario caducó o no viene de Edupeak.');
  });

  it('a ban is one sentence in the reader’s language, with the date written their way', async () => {
    const until = days(10);
    const user = await createUser(t.db, { banned: true, banReason: 'Spam en el foro', banExpires: until });
    const agent = newAgent(t.app);
    const form = await agent.get('/auth/login').set(es);
    const res = await agent.post('/auth/login').set(es).type('form').send({ _csrf: csrfTokenOf(form.text), email: user.email, password: user.password });
    expect(res.status).toBe(403);
    const date = translatorFor('es').dateTime(until, 'UTC');
    expect(date).not.toBe(translatorFor('en').dateTime(until, 'UTC'));
    expect(res.text).toContain(`Tu cuenta está suspendida hasta el ${date} (UTC). Motivo: Spam en el foro`);

    const forever = await createUser(t.db, { banned: true, banReason: null, banExpires: null });
    const arabic = await submitForm(newAgent(t.app).set(ar), '/auth/login', '/auth/login', { email: forever.email, password: forever.password });
    expect(arabic.status).toBe(403);
    expect(arabic.text).toContain('حسابك موقوف.');
    expect(arabic.text).not.toContain('السبب');
  });

  it('the profile in the person’s own language, with the language choice named in each language', async () => {
    const me = await readerOf('es');
    const page = await me.agent.get('/account').expect(200);
    expect(page.text).toContain('<html lang="es" dir="ltr">');
    expect(page.text).toContain('<h1>Tu perfil</h1>');
    expect(page.text).toContain('Guardar el perfil</button>');
    expect(page.text).toContain('<label for="f-language">Idioma</label>');
    expect(page.text).toContain('<option value="">Automático (navegador)</option>');
    expect(page.text).toContain('<option value="es" lang="es" selected>Español</option>');
    expect(page.text).toContain('<option value="ar" lang="ar">العربية</option>');
    expect(page.text).toContain('<option value="en" lang="en">English</option>');

    // A refused save comes back in Spanish, at its field.
    const refused = await me.post('/account', { firstName: '', language: 'es' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Escribe tu nombre.');

    // A saved one says so in Spanish on the next page.
    expect((await me.post('/account', { firstName: 'Lucía', language: 'es' })).status).toBe(303);
    expect((await me.agent.get('/account')).text).toContain('Tu perfil se guardó.');
  });

  it('the profile and devices pages in Arabic are right to left', async () => {
    const me = await readerOf('ar');
    const page = await me.agent.get('/account').expect(200);
    expect(page.text).toContain('<html lang="ar" dir="rtl">');
    expect(page.text).toContain('<h1>ملفك الشخصي</h1>');
    const devices = await me.agent.get('/account/sessions').expect(200);
    expect(devices.text).toContain('<h1>الأجهزة المسجّل الدخول منها</h1>');
    expect(devices.text).toContain('Firefox على Linux');
    expect(devices.text).toContain('(هذا الجهاز)');
  });

  it('signing out every other device reports the count in Spanish plurals', async () => {
    const me = await readerOf('es');
    expect((await me.post('/account/sessions/others/revoke')).status).toBe(303);
    expect((await me.agent.get('/account/sessions')).text).toContain('No había ningún otro dispositivo con la sesión iniciada.');
    const tr = translatorFor('es');
    expect(tr.t(msg('{count, plural, =0 {No other device was signed in.} one {Signed out # other device.} other {Signed out # other devices.}}'), { count: 3 })).toBe(
      'Se cerró la sesión en 3 dispositivos más.',
    );
  });

  it('an error page in Spanish', async () => {
    const res = await newAgent(t.app).get('/no-such-page').set(es).expect(404);
    expect(res.text).toContain('Página no encontrada');
    expect(res.text).toContain('Error 404');
    expect(res.text).toContain('Ir a la página de inicio');
  });

  it('the style guide in Spanish and Arabic: its components with translated text, numbers and prices their way', async () => {
    const spanish = await newAgent(t.app).get('/styleguide').set(es).expect(200);
    expect(spanish.text).toContain('<h1>Guía de estilo</h1>');
    expect(spanish.text).toContain('<button type="button" class="button">Principal</button>');
    expect(spanish.text).toContain('Ponle un título al curso.');
    expect(spanish.text).toContain('Escribe una dirección de correo como nombre@ejemplo.com.');
    expect(spanish.text).toContain('<p class="price">Gratis</p>');
    expect(spanish.text).toContain(translatorFor('es').money(124950));
    const arabic = await newAgent(t.app).get('/styleguide').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h1>دليل الأسلوب</h1>');
  });

  it('the wait of a rate limit is said in the reader’s words', () => {
    const error = new RateLimitedError(150);
    expect(translatorFor('en').t(error.message, error.values)).toBe('Too many attempts. Please wait 3 minutes and try again.');
    expect(translatorFor('es').t(error.message, error.values)).toBe('Demasiados intentos. Espera 3 minutos e inténtalo de nuevo.');
    const soon = new RateLimitedError(1);
    expect(translatorFor('es').t(soon.message, soon.values)).toBe('Demasiados intentos. Espera 1 segundo e inténtalo de nuevo.');
  });

  it('the confirmation mail is in the language the person registered in', async () => {
    const agent = newAgent(t.app);
    const form = await agent.get('/auth/register').set(es);
    const email = 'nueva@example.test';
    const res = await agent
      .post('/auth/register')
      .set(es)
      .type('form')
      .send({ _csrf: csrfTokenOf(form.text), firstName: 'Valentina', email, password: 'una frase bastante larga' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Revisa tu correo</h1>');
    const mail = await waitForMailTo(t.config.dataDir, email);
    expect(mail.subject).toBe('Confirma tu dirección de correo');
    expect(mail.text).toContain('Hola, Valentina:');
    expect(mail.html).toContain('lang="es"');
    expect(mail.html).toContain('Confirmar mi dirección de correo');
  });

  it('a password reset mail is in the recipient’s chosen language, whatever the request’s', async () => {
    const user = await createUser(t.db, { language: 'ar' });
    const res = await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email: user.email });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Check your email');
    const mail = await waitForMailTo(t.config.dataDir, user.email);
    expect(mail.subject).toBe('أعد تعيين كلمة المرور');
    expect(mail.html).toContain('dir="rtl"');
    expect(mail.text).toContain('إن لم تكن أنت، فتجاهل هذه الرسالة');
  });
});
