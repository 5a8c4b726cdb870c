import { z } from 'zod';
import { DEFAULT_TIME_ZONE, normalizeTimeZone } from '../../lib/dates.ts';

/** Form inputs. Unknown fields (role, points, emailVerified ...) are dropped by zod, never stored. */

const text = (label: string, max: number) =>
  z
    .string({ message: `${label} is required.` })
    .trim()
    .max(max, `${label} must be at most ${max} characters.`);

const optionalText = (label: string, max: number) =>
  text(label, max)
    .optional()
    .transform((v) => (v ? v : null));

export const email = z
  .string({ message: 'Enter your email address.' })
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'That email address is too long.')
  .pipe(z.email('Enter a valid email address, like name@example.com.'));

export const PASSWORD_MIN = 10;
export const newPassword = z
  .string({ message: 'Choose a password.' })
  .min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters.`)
  // argon2 hashes anything, but an enormous password is only a way to burn our CPU.
  .max(200, 'Use at most 200 characters.');

const firstName = text('First name', 100).min(1, 'Enter your first name.');
const lastName = optionalText('Last name', 100);

/**
 * The zone guessed by the browser at sign-up (public/js/time-zone.js fills a hidden field). Not the
 * user's typing, so nothing to tell them: missing (no JavaScript) or not a zone, it is UTC, and
 * the profile form changes it.
 */
const guessedTimeZone = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' && normalizeTimeZone(v)) || DEFAULT_TIME_ZONE);

/** The zone chosen on the profile form: an IANA name Intl knows (lib/dates.ts). */
export const timeZone = z
  .string({ message: 'Choose your time zone.' })
  .trim()
  .min(1, 'Choose your time zone.')
  .max(64, 'Choose a time zone from the list, such as Europe/Berlin.')
  .transform((v, ctx) => {
    const zone = normalizeTimeZone(v);
    if (!zone) ctx.addIssue({ code: 'custom', message: 'Choose a time zone from the list, such as Europe/Berlin or America/New_York.' });
    return zone ?? z.NEVER;
  });

export const registerInput = z.object({ firstName, lastName, email, password: newPassword, timeZone: guessedTimeZone });

export const loginInput = z.object({
  email,
  password: z.string({ message: 'Enter your password.' }).min(1, 'Enter your password.').max(200, 'Email or password is incorrect.'),
});

export const forgotInput = z.object({ email });

export const resetInput = z.object({ token: z.string().max(200), password: newPassword });

export const tokenInput = z.object({ token: z.string().max(200) });

const socialUrl = (label: string) =>
  z
    .string()
    .trim()
    .max(300, `${label} must be at most 300 characters.`)
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(v), `${label} must be a web address starting with http:// or https://.`);

export const profileInput = z.object({
  firstName,
  lastName,
  username: z
    .string()
    .trim()
    .max(30, 'Usernames are 3 to 30 characters.')
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^[a-zA-Z0-9_.-]{3,30}$/.test(v), 'Usernames are 3 to 30 letters, digits, dots, dashes or underscores.'),
  phoneNumber: optionalText('Phone number', 30).refine((v) => v === null || /^\+?[0-9 ()./-]{5,30}$/.test(v), 'Enter a phone number with digits, spaces and an optional leading +.'),
  designation: optionalText('Designation', 100),
  bio: optionalText('Bio', 2000),
  socialWebsite: socialUrl('Website'),
  socialGithub: socialUrl('GitHub'),
  socialFacebook: socialUrl('Facebook'),
  socialTwitter: socialUrl('Twitter / X'),
  socialLinkedin: socialUrl('LinkedIn'),
  // The form always sends it; a post without it (an older form) leaves the zone as it was.
  timeZone: timeZone.optional(),
  // "Show me on the leaderboard" (students' form only): a ticked box sends 'true', an unticked one nothing.
  showOnLeaderboard: z.enum(['true'], { error: 'Tick the box or leave it empty.' }).optional(),
});

export const passwordChangeInput = z.object({
  currentPassword: z.string().min(1, 'Enter your current password.').max(200),
  newPassword,
});

export type ProfileInput = z.infer<typeof profileInput>;
