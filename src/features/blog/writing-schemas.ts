import { z } from 'zod';
import { MARKDOWN_MAX_CHARS } from '../../lib/markdown.ts';
import { parseTags, type Tag } from './tags.ts';

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

const text = (label: string, max: number, { required = false, multiline = false } = {}) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').replace(/\r\n?/g, '\n'))
    .transform((v) => (multiline ? v : v.trim()))
    .refine((v) => !CONTROL.test(v), `${label} contains characters that cannot be shown.`)
    .refine((v) => multiline || !LINE_BREAK.test(v), `${label} must be one line.`)
    .refine((v) => !required || v.trim().length > 0, `${label} is required.`)
    .refine((v) => v.length <= max, `${label} must be at most ${max} characters.`);

const optionalId = (message: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .refine((v) => v === '' || z.uuid().safeParse(v).success, message)
    .transform((v) => (v === '' ? null : v));

export const postInput = z.object({
  title: text('Title', 200, { required: true }),
  content: text('The post', MARKDOWN_MAX_CHARS, { required: true, multiline: true }),
  excerpt: text('Excerpt', 300, { multiline: true }).transform((v) => v.trim().replace(/\s+/g, ' ') || null),
  seoTitle: text('Search title', 70).transform((v) => v || null),
  seoDescription: text('Search description', 160, { multiline: true }).transform((v) => v.trim().replace(/\s+/g, ' ') || null),
  categoryId: optionalId('Choose a category from the list.'),
  courseId: optionalId('Choose a course from the list.'),
  tags: text('Tags', 400).transform((v, ctx): Tag[] => {
    const parsed = parseTags(v);
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
export type PostInput = z.infer<typeof postInput>;

export const postIdParam = z.object({ postId: z.uuid() });
