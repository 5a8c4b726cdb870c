import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { setFlash } from '../../http/flash.ts';
import { backTo, fieldErrors, isUniqueViolation, typedValues, type FieldErrors } from '../../http/forms.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser } from '../../http/guards.ts';
import { enforceRateLimit, RATE_LIMITS } from '../../http/rate-limit.ts';
import { render } from '../../http/render.ts';
import { TIME_ZONES } from '../../lib/dates.ts';
import { msg } from '../../i18n/catalogue.ts';
import { LOCALES, LOCALE_NAMES } from '../../i18n/locales.ts';
import { LANGUAGE_COOKIE, translatorOf } from '../../i18n/negotiate.ts';
import { describeUserAgent } from '../../lib/user-agent.ts';
import { PASSWORD_MIN, passwordChangeInput, profileInput } from './schemas.ts';
import type { Config } from '../../config.ts';
import { HttpError } from '../../http/errors.ts';
import { newKey, type Storage } from '../../storage/index.ts';
import { AVATAR_MAX_WIDTH, toWebp } from '../../uploads/images.ts';
import { discardUpload, receiveUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import { replaceStoredFile } from '../media/replace-file.ts';
import { changePassword, sendVerificationMail, type AccountDeps } from './service.ts';
import { choiceToColumn, columnToChoice, dataSaverInput } from '../video/data-saver.ts';
import { endDeviceSession } from './sessions.ts';

/** /account (signed in): profile, password, signed-in devices, resending the confirmation mail. */

export const PROFILE_FIELDS = [
  'firstName',
  'lastName',
  'username',
  'phoneNumber',
  'designation',
  'bio',
  'socialWebsite',
  'socialGithub',
  'socialFacebook',
  'socialTwitter',
  'socialLinkedin',
  'timeZone',
  'language',
] as const;

const sessionIdParam = z.object({ id: z.uuid() });

const PICTURE_MAX_BYTES = 10 * 1024 * 1024;

export function accountRoutes(deps: AccountDeps & { storage: Storage; config: Pick<Config, 'dataDir' | 'uploadMaxBytes'> }): Router {
  const { db, storage } = deps;
  const router = Router();

  async function profilePage(
    req: Request,
    res: Response,
    extra: { values?: Record<string, string>; errors?: FieldErrors; passwordErrors?: FieldErrors; dataSaverError?: string } = {},
    status = 200,
  ) {
    const user = currentUser(res)!;
    const tr = translatorOf(res);
    const saved = await db.selectFrom('user').select([...PROFILE_FIELDS, 'email', 'image', 'leaderboardOptOut', 'dataSaver']).where('id', '=', user.id).executeTakeFirstOrThrow();
    const values = extra.values ?? { ...Object.fromEntries(PROFILE_FIELDS.map((f) => [f, saved[f] ?? ''])), showOnLeaderboard: saved.leaderboardOptOut ? '' : 'true' };
    // Only students are ranked, so only they are asked (issue 19).
    const leaderboard = user.role === 'student';
    render(
      res,
      'account/profile',
      {
        title: tr.t('Your profile'),
        email: saved.email,
        image: saved.image,
        values,
        leaderboard,
        errors: extra.errors ?? {},
        passwordErrors: extra.passwordErrors ?? {},
        passwordMin: PASSWORD_MIN,
        timeZones: TIME_ZONES,
        // The language choice: Automatic, then each language named in itself (shown with its lang attribute).
        languages: LOCALES.map((code) => ({ code, name: LOCALE_NAMES[code] })),
        dataSaverChoice: columnToChoice(saved.dataSaver),
        dataSaverError: extra.dataSaverError,
      },
      status,
    );
  }

  router.get('/', (req, res) => profilePage(req, res));

  router.post('/', async (req, res) => {
    const user = currentUser(res)!;
    const values = typedValues(req.body, [...PROFILE_FIELDS, 'showOnLeaderboard']);
    const parsed = profileInput.safeParse(req.body);
    if (!parsed.success) return profilePage(req, res, { values, errors: fieldErrors(parsed.error) }, 422);
    const { showOnLeaderboard, ...profile } = parsed.data;
    try {
      await db
        .updateTable('user')
        .set({ ...profile, ...(user.role === 'student' ? { leaderboardOptOut: showOnLeaderboard !== 'true' } : {}) })
        .where('id', '=', user.id)
        .execute();
    } catch (error) {
      if (!isUniqueViolation(error, 'user_username_lower_key')) throw error;
      return profilePage(req, res, { values, errors: { username: msg('That username is taken. Please choose another.') } }, 422);
    }
    // Automatic follows the browser: a visitor's earlier footer choice (its cookie) must not stand in for it.
    if (profile.language === null) res.clearCookie(LANGUAGE_COOKIE, { path: '/' });
    setFlash(req, 'success', msg('Your profile is saved.'));
    res.redirect(303, '/account');
  });

  // Data saver (video/data-saver.ts): 'auto' follows the browser's Save-Data header (null), 'on' / 'off' decide.
  router.post('/data-saver', async (req, res) => {
    const user = currentUser(res)!;
    const parsed = dataSaverInput.safeParse(req.body);
    if (!parsed.success) return profilePage(req, res, { dataSaverError: msg('Choose Automatic, On or Off.') }, 422);
    const choice = parsed.data.dataSaver;
    await db.updateTable('user').set({ dataSaver: choiceToColumn(choice) }).where('id', '=', user.id).execute();
    const said = {
      auto: msg('Data saver follows your browser now: small copies when it asks to save data.'),
      on: msg('Data saver is on: lessons start with the small video, and images are small.'),
      off: msg('Data saver is off: lessons start in HD when there is an HD copy.'),
    };
    setFlash(req, 'success', said[choice]);
    res.redirect(303, '/account#data-saver');
  });

  // The profile picture: resized to a 256-pixel-wide WebP; the one it replaces is deleted once the
  // new one is committed (replaceStoredFile: parallel uploads leave exactly one file).
  router.post('/picture', async (req, res) => {
    const user = currentUser(res)!;
    const upload = await receiveUpload(req, res, {
      field: 'picture',
      tempDir: uploadTempDir(deps.config),
      maxBytes: Math.min(PICTURE_MAX_BYTES, deps.config.uploadMaxBytes),
      accept: ['jpeg', 'png', 'webp'],
    });
    if (!upload) throw new HttpError(422, msg('Choose a JPEG, PNG or WebP picture to upload.'));
    let key: string;
    try {
      const image = await toWebp(upload.path, AVATAR_MAX_WIDTH);
      key = newKey('avatars', 'webp');
      await storage.put(key, image.buffer, { contentType: 'image/webp', contentLength: image.buffer.length });
    } finally {
      await discardUpload(upload);
    }
    const result = await replaceStoredFile({ db, storage, logger: deps.logger }, { table: 'user', column: 'image', id: user.id }, key);
    if (!result) throw notFound();
    setFlash(req, 'success', msg('Your picture is saved.'));
    res.redirect(303, '/account');
  });

  router.post('/password', async (req, res) => {
    const user = currentUser(res)!;
    const parsed = passwordChangeInput.safeParse(req.body);
    if (!parsed.success) return profilePage(req, res, { passwordErrors: fieldErrors(parsed.error) }, 422);
    const result = await changePassword(db, { id: user.id, deviceSessionId: res.locals.deviceSessionId as string }, parsed.data);
    if (!result.ok) return profilePage(req, res, { passwordErrors: result.errors }, 422);
    setFlash(req, 'success', msg('Your password is changed. Every other device was signed out.'));
    res.redirect(303, '/account');
  });

  router.post('/email/verify', async (req, res) => {
    const user = currentUser(res)!;
    if (user.emailVerified) {
      setFlash(req, 'info', msg('Your email address is already confirmed.'));
    } else {
      await enforceRateLimit(db, RATE_LIMITS.verifyResend, user.id);
      await sendVerificationMail(deps, user, translatorOf(res).locale);
      setFlash(req, 'success', msg('We sent a new link to {email}. It works for 24 hours.'), { email: user.email });
    }
    res.redirect(303, backTo(req.get('referer'), '/'));
  });

  router.get('/sessions', async (_req, res) => {
    const user = currentUser(res)!;
    const tr = translatorOf(res);
    const rows = await db
      .selectFrom('session')
      .select(['id', 'ipAddress', 'userAgent', 'createdAt', 'updatedAt'])
      .where('userId', '=', user.id)
      .where('expiresAt', '>', new Date())
      .orderBy('updatedAt', 'desc')
      .execute();
    const devices = rows.map((row) => ({
      ...row,
      ...describeUserAgent(row.userAgent),
      current: row.id === res.locals.deviceSessionId,
      signedInLabel: tr.date(row.createdAt, user.timeZone),
      lastActiveLabel: tr.date(row.updatedAt, user.timeZone),
    }));
    render(res, 'account/sessions', { title: tr.t('Signed-in devices'), devices });
  });

  router.post('/sessions/others/revoke', async (req, res) => {
    const user = currentUser(res)!;
    const result = await db
      .deleteFrom('session')
      .where('userId', '=', user.id)
      .where('id', '!=', res.locals.deviceSessionId as string)
      .executeTakeFirst();
    const n = Number(result.numDeletedRows);
    setFlash(req, 'success', msg('{count, plural, =0 {No other device was signed in.} one {Signed out # other device.} other {Signed out # other devices.}}'), { count: n });
    res.redirect(303, '/account/sessions');
  });

  router.post('/sessions/:id/revoke', async (req, res) => {
    const user = currentUser(res)!;
    const params = sessionIdParam.safeParse(req.params);
    if (!params.success) throw notFound();
    if (params.data.id === res.locals.deviceSessionId) {
      await endDeviceSession(db, req, msg('You are signed out.'));
      return res.redirect(303, '/');
    }
    // Only the user's own devices: anyone else's id is "not found", like a missing one.
    const result = await db.deleteFrom('session').where('id', '=', params.data.id).where('userId', '=', user.id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound();
    setFlash(req, 'success', msg('That device is signed out.'));
    res.redirect(303, '/account/sessions');
  });

  return router;
}
