import { z } from 'zod';

/** Students' inputs on assessments (the quiz's answers are parsed against its questions: quiz-taking.ts). */

export const DESCRIPTION_MAX = 10_000;
export const LINK_MAX = 2000;

export const lessonParams = z.object({ lessonId: z.uuid() });

const isWebUrl = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
};

/** An assignment hand-in's text fields (the file comes through receiveUpload). Empty fields are null. */
export const handInInput = z.object({
  description: z
    .string({ error: 'Write your answer as text.' })
    .max(DESCRIPTION_MAX, `Keep the text to ${DESCRIPTION_MAX.toLocaleString('en')} characters.`)
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : null)),
  link: z
    .string({ error: 'Enter a link starting with http:// or https://.' })
    .trim()
    .max(LINK_MAX, `Keep the link to ${LINK_MAX} characters.`)
    .optional()
    .transform((v) => v || null)
    .refine((v) => v === null || isWebUrl(v), 'Enter a link starting with http:// or https://.'),
});

export type HandInFields = z.infer<typeof handInInput>;
