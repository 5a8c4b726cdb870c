import { z } from 'zod';
import { MAIL_TOPICS, type MailTopic } from './notify.ts';
import { msg } from '../../i18n/catalogue.ts';

/** A notification's id in the path: anything else is a 404, never a database error. */
export const notificationParam = z.object({ id: z.uuid() });

/** `?page=` of the inbox (or the form's `page`, to go back to the page the person was on). */
export const inboxPage = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });

const isTopic = (value: string): value is MailTopic => (MAIL_TOPICS as readonly string[]).includes(value);

/**
 * The preferences form: one checkbox `email` per topic, valued by the topic; an unchecked box sends
 * nothing. Names that are not topics (a form from an older page, a typed request) are ignored.
 */
export const preferencesInput = z
  .object({
    email: z
      .union([z.string(), z.array(z.string())], { error: msg('Tick the boxes of the mails you want.') })
      .optional()
      .transform((value) => (value === undefined ? [] : [value].flat()))
      .pipe(z.array(z.string().max(40, msg('Tick the boxes of the mails you want.'))).max(50, msg('Tick the boxes of the mails you want.'))),
  })
  .transform(({ email }) => new Set(email.filter(isTopic)));
