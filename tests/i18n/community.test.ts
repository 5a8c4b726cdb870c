import { describe, expect, it } from 'vitest';
import { notify } from '../../src/features/notifications/notify.ts';
import { msg } from '../../src/i18n/catalogue.ts';
import { useTestApp } from '../setup/app.ts';
import { createPost, createUser } from '../setup/factories.ts';
import { newAgent } from '../setup/forms.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The community pages in Spanish and Arabic: the blog (list, post, feed), the help desk (a page, a
 * refused form), the inbox, an invitation's refusal page; and notices written in each recipient's
 * language with the person's own words left as they are.
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };

describe('community pages in Spanish and Arabic', () => {
  const t = useTestApp();

  async function readerOf(language: 'es' | 'ar') {
    const me = await signedInAs(t.app, t.db, 'student');
    await t.db.updateTable('user').set({ language }).where('id', '=', me.user.id).execute();
    return me;
  }

  it('the blog list: Spanish search and count; Arabic right to left', async () => {
    await createPost(t.db, { title: 'Study tips' });
    const spanish = await newAgent(t.app).get('/blog').set(es).expect(200);
    expect(spanish.text).toContain('<html lang="es" dir="ltr">');
    expect(spanish.text).toContain('<label for="q">Buscar entradas</label>');
    expect(spanish.text).toContain('placeholder="Título o tema"');
    expect(spanish.text).toMatch(/1 entrada</);
    expect(spanish.text).toContain('Study tips');

    const arabic = await newAgent(t.app).get('/blog').set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('ابحث في التدوينات');
    expect(arabic.text).toContain('تدوينة واحدة');
  });

  it('a post: its chrome in Spanish, its own words as written; the feed titled in Spanish', async () => {
    const post = await createPost(t.db, { title: 'How I learn at night' });
    const res = await newAgent(t.app).get(`/blog/${post.slug}`).set(es).expect(200);
    expect(res.text).toContain('<h1 id="post-title">How I learn at night</h1>');
    expect(res.text).toContain('Comentarios (0)');
    expect(res.text).toContain('Todavía no hay comentarios.');
    expect(res.text).toContain('1 min de lectura');
    expect(res.text).toMatch(/<a href="\/auth\/login\?next=[^"]+">Inicia sesión<\/a> para participar en la conversación\./);

    const feed = await newAgent(t.app).get('/blog/feed.xml').set(es).expect(200);
    expect(feed.text).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="es">');
    expect(feed.text).toContain('<title>Blog de Edupeak</title>');
  });

  it('the help desk: the form in Spanish, a refused form answers in Spanish; Arabic right to left', async () => {
    const me = await readerOf('es');
    const page = await me.agent.get('/help/new').expect(200);
    expect(page.text).toContain('<h1>Pedir ayuda</h1>');
    expect(page.text).toContain('Enviar la solicitud</button>');
    const refused = await me.post('/help/new', { subject: '', message: '' }).expect(422);
    expect(refused.text).toContain('Ponle un asunto a tu solicitud.');
    expect(refused.text).toContain('Primero escribe tu mensaje.');

    const arabic = await readerOf('ar');
    const list = await arabic.agent.get('/help').expect(200);
    expect(list.text).toContain('<html lang="ar" dir="rtl">');
    expect(list.text).toContain('لم تطلب المساعدة بعد.');
  });

  it('a refused comment comes back in Arabic', async () => {
    const post = await createPost(t.db);
    const me = await readerOf('ar');
    const refused = await me.post(`/blog/${post.slug}/comments`, { content: '   ' }).expect(422);
    expect(refused.text).toContain('<html lang="ar" dir="rtl">');
    expect(refused.text).toContain('اكتب تعليقك أولًا.');
  });

  it('a notice is written in its recipient’s language; names and titles stay as written', async () => {
    const spanish = await createUser(t.db, { language: 'es' });
    const arabic = await createUser(t.db, { language: 'ar' });
    const english = await createUser(t.db);
    const notice = { type: 'CommentReceived' as const, title: msg('New comment on your post'), message: msg('{name} commented on "{title}".'), values: { name: 'Ana', title: 'Mi {post}' }, mail: 'never' as const };
    await notify(t.db, [
      { ...notice, userId: spanish.id },
      { ...notice, userId: arabic.id },
      { ...notice, userId: english.id },
    ]);
    const rows = await t.db.selectFrom('notification').select(['userId', 'title', 'message']).where('userId', 'in', [spanish.id, arabic.id, english.id]).execute();
    const of = (id: string) => rows.find((r) => r.userId === id)!;
    expect(of(spanish.id)).toMatchObject({ title: 'Nuevo comentario en tu entrada', message: 'Ana comentó en «Mi {post}».' });
    expect(of(arabic.id)).toMatchObject({ title: 'تعليق جديد على تدوينتك', message: 'علّق Ana على «Mi {post}».' });
    expect(of(english.id)).toMatchObject({ title: 'New comment on your post', message: 'Ana commented on "Mi {post}".' });
  });

  it('the inbox in Arabic: its buttons and the notice as written for the reader', async () => {
    const me = await readerOf('ar');
    await notify(t.db, { userId: me.user.id, type: 'PointsEarned', title: msg('{points, plural, one {You earned # point} other {You earned # points}}'), message: msg('For a reaction to your post "{title}".'), values: { points: 2, title: 'Notes' }, mail: 'never' });
    const res = await me.agent.get('/notifications').expect(200);
    expect(res.text).toContain('<html lang="ar" dir="rtl">');
    expect(res.text).toContain('تعليم الكل كمقروء');
    expect(res.text).toContain('كسبت نقطتين');
    expect(res.text).toContain('مقابل تفاعل مع تدوينتك «Notes».');
  });

  it('an unknown invitation link: the refusal page in Spanish', async () => {
    const res = await newAgent(t.app).get('/invitations/not-a-real-token').set(es).expect(404);
    expect(res.text).toContain('<h1>Invitación no encontrada</h1>');
    expect(res.text).toContain('Este enlace de invitación no es válido.');
    expect(res.text).toContain('Volver a Edupeak');
  });
});
