import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { tableQuery } from '../../http/table.ts';
import { zonedToUtc } from '../../lib/dates.ts';
import { textFilter } from './filters.ts';

/** Inputs of /admin/users and its actions: the table's query string and the forms' bodies. */

export const ROLES = ['student', 'teacher', 'admin'] as const;
export type UserRole = (typeof ROLES)[number];

const yesNo = z.enum(['yes', 'no']).optional().catch(undefined);

/** A bad value falls back (tableQuery's rule): a link never errors. */
export const usersQuery = tableQuery(['createdAt', 'lastSeenAt', 'name'] as const, 'createdAt', {
  q: textFilter,
  role: z.enum(ROLES).optional().catch(undefined),
  banned: yesNo,
  verified: yesNo,
});
export type UsersQuery = z.infer<typeof usersQuery>;

export const userIdParam = z.object({ userId: z.uuid() });
/** The course chosen in the hand-over form (its select's value). */
export const courseIdParam = z.uuid();

export const BAN_REASON_MAX = 500;

/**
 * A site ban: a reason, and an end on the admin's clock (datetime-local in their zone) unless it
 * is permanent. The end must lie in the future: a ban that ended already would be no ban at all.
 */
export const banInput = (timeZone: string, tr: Translator = translatorFor('en'), now = Date.now()) =>
  z
    .object({
      banReason: z
        .string({ error: msg('Give a reason: the person sees it when they try to sign in.') })
        .trim()
        .min(1, msg('Give a reason: the person sees it when they try to sign in.'))
        .max(BAN_REASON_MAX, tr.t('Keep the reason to {max} characters.', { max: BAN_REASON_MAX })),
      banLength: z.enum(['until', 'permanent'], { error: msg('Choose a ban until a date or a permanent ban.') }),
      banExpires: z.string().trim().max(40).optional(),
    })
    .transform((v, ctx) => {
      if (v.banLength === 'permanent') return { banReason: v.banReason, banExpires: null };
      const until = v.banExpires ? zonedToUtc(v.banExpires, timeZone) : undefined;
      if (!until) {
        ctx.addIssue({ code: 'custom', path: ['banExpires'], message: tr.t('Enter when the ban ends, like 2027-01-31 09:00 ({zone}), or choose a permanent ban.', { zone: timeZone }) });
        return z.NEVER;
      }
      if (until.getTime() <= now) {
        ctx.addIssue({ code: 'custom', path: ['banExpires'], message: tr.t('The end of the ban must be in the future ({zone}).', { zone: timeZone }) });
        return z.NEVER;
      }
      return { banReason: v.banReason, banExpires: until };
    });
export type BanInput = z.infer<ReturnType<typeof banInput>>;

export const roleInput = z.object({ role: z.enum(ROLES, { error: msg('Choose student, teacher or admin.') }) });
