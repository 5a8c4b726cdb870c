import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';

/** The help desk's inputs. Bodies are plain text (escaped and linkified when shown). */

export const SUBJECT_MAX = 200;
export const BODY_MAX = 5000;

const body = z
  .string({ error: msg('Write your message first.') })
  .trim()
  .min(1, msg('Write your message first.'))
  // The limit is written out in the message (a catalogue key is a literal): BODY_MAX.
  .max(BODY_MAX, msg('Keep your message to 5,000 characters.'));

/** A new request. `userType` is never read from the form: it comes from the person's role. */
export const newRequestInput = z.object({
  subject: z
    .string({ error: msg('Give your request a subject.') })
    .trim()
    .min(1, msg('Give your request a subject.'))
    .max(SUBJECT_MAX, msg('Keep the subject to 200 characters.')),
  message: body,
});

export const replyInput = z.object({ body });

/** An admin's answer: "Answer" keeps the request open (InProgress), "Answer and resolve" resolves it. */
export const answerInput = z.object({
  body,
  resolve: z
    .enum(['1'])
    .optional()
    .catch(undefined)
    .transform((v) => v === '1'),
});

export const requestParam = z.object({ id: z.uuid() });

export const listPage = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1) });
