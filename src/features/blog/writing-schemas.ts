import { z } from 'zod';
import { MARKDOWN_MAX_CHARS } from '../../lib/markdown.ts';
import { parseTags, type Tag } from './tags.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';

/**
 * The post form (/blog/new and /blog/posts/:postId/edit). Everything but `content` is plain text,
 * escaped wherever it is shown; `content` is Markdown, rendered once at save (writing.ts).
 * The form is multipart (it carries the cover), so the app's check for control characters in
 * urlencoded forms does not see it: the fields refuse them here.
 */

export const POST_FIELDS = ['title', 'content', 'excerpt', 'seoTitle', 'seoDescription', 'categoryId', 'tags', 'courseId'] as const;

// Tabs and line breaks are text; other control characters (and DEL) are not.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LINE_BREAK = /[\r\n\u2028\u2029]/;

/** The form's messages in the reader's language (`postInputFor(translatorOf(res))`); `label` is a catalogue message. */
const textIn = (tr: Translator) => (label: string, max: number, { required = false, multiline = false } = {}) => {
  const field = tr.t(label);
  return z
    .string()
    .optional()
    .transform((v) => (v ?? '').replace(/\r\n?/g, '\n'))
    .transform((v) => (multiline ? v : v.trim()))
    .refine((v) => !CONTROL.test(v), tr.t('{field} contains characters that cannot be shown.', { field }))
    .refine((v) => multiline || !LINE_BREAK.test(v), tr.t('{field} must be one line.', { field }))
    .refine((v) => !required || v.trim().length > 0, tr.t('{field} is required.', { field }))
    .refine((v) => v.length <= max, tr.t('{field} must be at most {max} characters.', { field, max }));
};

const optionalId = (message: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .refine((v) => v === '' || z.uuid().safeParse(v).success, message)
    .transform((v) => (v === '' ? null : v));

export const postInputFor = (tr: Translator) => {
  const text = textIn(tr);
  return z.object({
  title: text(msg('Title'), 200, { required: true }),
  content: text(msg('The post'), MARKDOWN_MAX_CHARS, { required: true, multiline: true }),
  excerpt: text(msg('Excerpt'), 300, { multiline: true }).transform((v) => v.trim().replace(/\s+/g, ' ') || null),
  seoTitle: text(msg('Search title'), 70).transform((v) => v || null),
  seoDescription: text(msg('Search description'), 160, { multiline: true }).transform((v) => v.trim().replace(/\s+/g, ' ') || null),
  categoryId: optionalId(msg('Choose a category from the list.')),
  courseId: optionalId(msg('Choose a course from the list.')),
  tags: text(msg('Tags'), 400).transform((v, ctx): Tag[] => {
    const parsed = parseTags(v, tr);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    return parsed.tags;
  }),
  /** Which button: "Save draft" or "Send to moderation" (an edit of a non-draft: "save"). */
  intent: z.enum(['draft', 'submit', 'save']).catch('draft'),
  removeCover: z
    .string()
    .optional()
    .transform((v) => v === 'on' || v === '1' || v === 'true'),
  });
};
/** The form in English (tests; the routes use postInputFor with the reader's translator). */
export const postInput = postInputFor(translatorFor('en'));
export type PostInput = z.infer<typeof postInput>;

export const postIdParam = z.object({ postId: z.uuid() });
