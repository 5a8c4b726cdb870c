import { describe, expect, it } from 'vitest';
import { LANGUAGE_COOKIE } from '../../src/i18n/negotiate.ts';
import { useTestApp } from '../setup/app.ts';
import { newAgent } from '../setup/forms.ts';
import { startSession, signedInAs } from '../setup/users.ts';

/**
 * Which language a page is in: the person's choice (user.language, from /account or the footer),
 * else a visitor's footer choice (a cookie), else Accept-Language among en/es/ar, else English.
 */

const cookiesOf = (res: { headers: Record<string, unknown> }) => ((res.headers['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split(';')[0]!);

describe('the language of a page', () => {
  const t = useTestApp();

  it('follows Accept-Language: Spanish for es, English for a language we do not ship', async () => {
    const spanish = await newAgent(t.app).get('/auth/login').set('Accept-Language', 'es-CO,es;q=0.9').expect(200);
    expect(spanish.headers['content-language']).toBe('es');
    expect(spanish.headers.vary).toMatch(/Accept-Language/);
    expect(spanish.text).toContain('<html lang="es" dir="ltr">');
    expect(spanish.text).toContain('Saltar al contenido principal');

    const french = await newAgent(t.app).get('/auth/login').set('Accept-Language', 'fr').expect(200);
    expect(french.headers['content-language']).toBe('en');
    expect(french.text).toContain('<html lang="en" dir="ltr">');
    expect(french.text).toContain('Skip to main content');

    const none = await newAgent(t.app).get('/auth/login').expect(200);
    expect(none.headers['content-language']).toBe('en');
  });

  it('the footer switcher, as a visitor, sets the cookie and returns to the page; an off-site next goes home', async () => {
    const agent = newAgent(t.app);
    const page = await agent.get('/auth/login').expect(200);
    expect(page.text).toContain('<button type="submit" name="language" value="es" lang="es" class="link">Español</button>');
    const res = await agent.post('/language').type('form').send({ language: 'es', next: '/auth/login?next=%2Fdashboard' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/auth/login?next=%2Fdashboard');
    expect(cookiesOf(res)).toContain(`${LANGUAGE_COOKIE}=es`);
    // The cookie beats the browser's Accept-Language.
    const after = await agent.get('/auth/login').set('Accept-Language', 'ar');
    expect(after.text).toContain('<html lang="es" dir="ltr">');
    expect(after.text).toContain('<strong lang="es" aria-current="true">Español</strong>');

    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const away = await newAgent(t.app).post('/language').type('form').send({ language: 'ar', next });
      expect(away.status).toBe(303);
      expect(away.headers.location, next).toBe('/');
    }
  });

  it('an unknown language is a 400 and sets nothing', async () => {
    const res = await newAgent(t.app).post('/language').type('form').send({ language: 'fr', next: '/' });
    expect(res.status).toBe(400);
    expect(cookiesOf(res).some((c) => c.startsWith(`${LANGUAGE_COOKIE}=`))).toBe(false);
  });

  it('signed in, the switcher needs the CSRF token and saves user.language: a later request without the cookie is Spanish', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    expect((await me.agent.post('/language').type('form').send({ language: 'es', next: '/account' })).status).toBe(403);
    expect((await t.db.selectFrom('user').select('language').where('id', '=', me.user.id).executeTakeFirstOrThrow()).language).toBeNull();

    const res = await me.post('/language', { language: 'es', next: '/account' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect((await t.db.selectFrom('user').select('language').where('id', '=', me.user.id).executeTakeFirstOrThrow()).language).toBe('es');

    // Another browser (no language cookie, an English Accept-Language) signed in as the same person.
    const elsewhere = newAgent(t.app);
    await startSession(elsewhere, t.db, me.user);
    const page = await elsewhere.get('/account').set('Accept-Language', 'en').expect(200);
    expect(page.text).toContain('<html lang="es" dir="ltr">');
    expect(page.text).toContain('<h1>Tu perfil</h1>');
  });

  it('the profile’s choice wins over Accept-Language; Automatic follows the browser again', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const chosen = await me.post('/account', { firstName: 'Samira', language: 'ar' });
    expect(chosen.status).toBe(303);
    expect((await t.db.selectFrom('user').select('language').where('id', '=', me.user.id).executeTakeFirstOrThrow()).language).toBe('ar');
    const arabic = await me.agent.get('/account').set('Accept-Language', 'es');
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<option value="ar" lang="ar" selected>العربية</option>');
    expect(arabic.text).toContain('تم حفظ ملفك الشخصي.');

    // A language we do not ship is refused at its field, in the reader's language.
    const refused = await me.post('/account', { firstName: 'Samira', language: 'fr' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('اختر «تلقائي» أو إحدى اللغات في القائمة.');
    expect(refused.text).toContain('href="#f-language"');

    // Automatic: back to null, and the page follows Accept-Language.
    expect((await me.post('/account', { firstName: 'Samira', language: '' })).status).toBe(303);
    expect((await t.db.selectFrom('user').select('language').where('id', '=', me.user.id).executeTakeFirstOrThrow()).language).toBeNull();
    expect((await me.agent.get('/account').set('Accept-Language', 'es')).text).toContain('<html lang="es" dir="ltr">');
    expect((await me.agent.get('/account').set('Accept-Language', 'en')).text).toContain('<html lang="en" dir="ltr">');

    // A form without the field (an older page) leaves the choice alone.
    await t.db.updateTable('user').set({ language: 'es' }).where('id', '=', me.user.id).execute();
    expect((await me.post('/account', { firstName: 'Samira' })).status).toBe(303);
    expect((await t.db.selectFrom('user').select('language').where('id', '=', me.user.id).executeTakeFirstOrThrow()).language).toBe('es');
  });

  it('the anonymous page cache keeps each language apart', async () => {
    for (let round = 0; round < 2; round++) {
      const spanish = await newAgent(t.app).get('/').set('Accept-Language', 'es').expect(200);
      expect(spanish.text).toContain('<html lang="es" dir="ltr">');
      expect(spanish.headers['content-language']).toBe('es');
      const english = await newAgent(t.app).get('/').set('Accept-Language', 'en').expect(200);
      expect(english.text).toContain('<html lang="en" dir="ltr">');
      expect(english.headers['content-language']).toBe('en');
      const arabic = await newAgent(t.app).get('/').set('Accept-Language', 'ar').expect(200);
      expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    }
  });
});
