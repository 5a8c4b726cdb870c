import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { safeNext } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { LANGUAGE_COOKIE } from '../../i18n/negotiate.ts';
import { LOCALE_NAMES, LOCALES } from '../../i18n/locales.ts';
import { msg } from '../../i18n/catalogue.ts';
import { HttpError } from '../../http/errors.ts';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

const languageInput = z.object({ language: z.enum(LOCALES), next: z.string().optional() });

/**
 * POST /language: the footer's switcher, a plain form (no JavaScript). A signed-in person's
 * choice is kept on their account (user.language: it follows them to other devices, mails and
 * certificates); a visitor's in a cookie. Either way the browser returns to the page it was on.
 * An unknown language is a 400 (the error page, in the reader's language) and changes nothing.
 */
export function languageRoutes({ db, secureCookies }: { db: Database; secureCookies: boolean }): Router {
  const router = Router();
  router.post('/language', async (req, res) => {
    const parsed = languageInput.safeParse(req.body);
    if (!parsed.success) {
      throw new HttpError(400, msg('Choose one of the languages offered: {languages}.'), { languages: LOCALES.map((l) => LOCALE_NAMES[l]).join(', ') });
    }
    const { language } = parsed.data;
    const user = currentUser(res);
    if (user) await db.updateTable('user').set({ language }).where('id', '=', user.id).execute();
    res.cookie(LANGUAGE_COOKIE, language, { maxAge: ONE_YEAR_MS, httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/' });
    res.redirect(303, safeNext(parsed.data.next ?? req.get('referer')?.replace(/^https?:\/\/[^/]+/, '')));
  });
  return router;
}
