import { z } from 'zod';
import { DEFAULT_TIME_ZONE, normalizeTimeZone } from '../../lib/dates.ts';
import { msg } from '../../i18n/catalogue.ts';
import { LOCALES } from '../../i18n/locales.ts';

/** Form inputs. Unknown fields (role, points, emailVerified ...) are dropped by zod, never stored. */

/** Text of at most `max` characters; the messages are whole catalogue sentences (msg), one per field. */
const text = (max: number, tooLong: string, required = msg('This field is required.')) =>
  z
    .string({ message: required })
    .trim()
    .max(max, tooLong);

const optionalText = (max: number, tooLong: string) =>
  text(max, tooLong)
    .optional()
    .transform((v) => (v ? v : null));

export const email = z
  .string({ message: msg('Enter your email address.') })
  .trim()
  .min(1, msg('Enter your email address.'))
  .max(254, msg('That email address is too long.'))
  .pipe(z.email(msg('Enter a valid email address, like name@example.com.')));

// The messages say 10 ("Use at least 10 characters."): change them together.
export const PASSWORD_MIN = 10;
export const newPassword = z
  .string({ message: msg('Choose a password.') })
  .min(PASSWORD_MIN, msg('Use at least 10 characters.'))
  // argon2 hashes anything, but an enormous password is only a way to burn our CPU.
  .max(200, msg('Use at most 200 characters.'));

const firstName = text(100, msg('First name must be at most 100 characters.'), msg('Enter your first name.')).min(1, msg('Enter your first name.'));
const lastName = optionalText(100, msg('Last name must be at most 100 characters.'));

/**
 * The zone guessed by the browser at sign-up (public/js/time-zone.js fills a hidden field). Not the
 * user's typing, so nothing to tell them: missing (no JavaScript) or not a zone, it is UTC, and
 * the profile form changes it.
 */
export const guessedTimeZone = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' && normalizeTimeZone(v)) || DEFAULT_TIME_ZONE);

/** The zone chosen on the profile form: an IANA name Intl knows (lib/dates.ts). */
export const timeZone = z
  .string({ message: msg('Choose your time zone.') })
  .trim()
  .min(1, msg('Choose your time zone.'))
  .max(64, msg('Choose a time zone from the list, such as Europe/Berlin.'))
  .transform((v, ctx) => {
    const zone = normalizeTimeZone(v);
    if (!zone) ctx.addIssue({ code: 'custom', message: msg('Choose a time zone from the list, such as Europe/Berlin or America/New_York.') });
    return zone ?? z.NEVER;
  });

export const registerInput = z.object({ firstName, lastName, email, password: newPassword, timeZone: guessedTimeZone });

export const loginInput = z.object({
  email,
  password: z.string({ message: msg('Enter your password.') }).min(1, msg('Enter your password.')).max(200, msg('Email or password is incorrect.')),
});

export const forgotInput = z.object({ email });

export const resetInput = z.object({ token: z.string().max(200), password: newPassword });

export const tokenInput = z.object({ token: z.string().max(200) });

const socialUrl = (tooLong: string, notUrl: string) =>
  z
    .string()
    .trim()
    .max(300, tooLong)
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(v), notUrl);

export const profileInput = z.object({
  firstName,
  lastName,
  username: z
    .string()
    .trim()
    .max(30, msg('Usernames are 3 to 30 characters.'))
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^[a-zA-Z0-9_.-]{3,30}$/.test(v), msg('Usernames are 3 to 30 letters, digits, dots, dashes or underscores.')),
  phoneNumber: optionalText(30, msg('Phone number must be at most 30 characters.')).refine((v) => v === null || /^\+?[0-9 ()./-]{5,30}$/.test(v), msg('Enter a phone number with digits, spaces and an optional leading +.')),
  designation: optionalText(100, msg('Designation must be at most 100 characters.')),
  bio: optionalText(2000, msg('Bio must be at most 2000 characters.')),
  socialWebsite: socialUrl(msg('Website must be at most 300 characters.'), msg('Website must be a web address starting with http:// or https://.')),
  socialGithub: socialUrl(msg('GitHub must be at most 300 characters.'), msg('GitHub must be a web address starting with http:// or https://.')),
  socialFacebook: socialUrl(msg('Facebook must be at most 300 characters.'), msg('Facebook must be a web address starting with http:// or https://.')),
  socialTwitter: socialUrl(msg('Twitter / X must be at most 300 characters.'), msg('Twitter / X must be a web address starting with http:// or https://.')),
  socialLinkedin: socialUrl(msg('LinkedIn must be at most 300 characters.'), msg('LinkedIn must be a web address starting with http:// or https://.')),
  // The form always sends it; a post without it (an older form) leaves the zone as it was.
  timeZone: timeZone.optional(),
  // "Show me on the leaderboard" (students' form only): a ticked box sends 'true', an unticked one nothing.
  showOnLeaderboard: z.enum(['true'], { error: msg('Tick the box or leave it empty.') }).optional(),
  // Automatic (null: follow the browser's Accept-Language) or one of the languages we ship (i18n/locales.ts).
  // A post without it (an older form) leaves the choice as it was.
  language: z
    .union([z.literal(''), z.enum(LOCALES)], { error: msg('Choose Automatic or one of the languages in the list.') })
    .optional()
    .transform((v) => (v === undefined ? undefined : v || null)),
});

export const passwordChangeInput = z.object({
  currentPassword: z.string({ message: msg('Enter your current password.') }).min(1, msg('Enter your current password.')).max(200, msg('That is not your current password.')),
  newPassword,
});

export type ProfileInput = z.infer<typeof profileInput>;
