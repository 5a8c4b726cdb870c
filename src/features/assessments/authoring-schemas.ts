import { z } from 'zod';
import { zonedToUtc } from '../../lib/dates.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The teacher's assessment forms (issue 14): an assignment, a quiz, a quiz question. Field names
 * are the spec's camelCase names. Every message is shown beside its field on a 422.
 */

export const QUESTION_MAX_OPTIONS = 6;
export const QUESTION_MIN_OPTIONS = 2;
export const OPTION_MAX_CHARS = 300;

/** A required text: its two messages are whole sentences of the catalogue (msg), never built from a label. */
const text = (max: number, missing: string, tooLong: string) => z.string({ message: missing }).trim().min(1, missing).max(max, tooLong);

const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .max(max, tooLong)
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? null : v.replace(/\r\n?/g, '\n').trim()));

/** A whole number from a form field within [min, max]; blank or absent is `fallback`. */
const wholeNumber = (message: string, min: number, max: number, fallback: number) =>
  z
    .union([z.string(), z.number()], { message })
    .optional()
    .transform((v, ctx) => {
      const raw = typeof v === 'string' ? v.trim() : v;
      if (raw === undefined || raw === '') return fallback;
      const n = typeof raw === 'number' ? raw : /^-?\d{1,9}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return n;
    });

/**
 * A due date: the datetime-local value is the teacher's wall clock in their zone, stored as the
 * UTC instant it names (as releaseInput in teaching/schemas.ts); blank is no due date.
 */
const dueDate = (timeZone: string) =>
  z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((v) => (v ? (/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? new Date(v) : (zonedToUtc(v, timeZone) ?? new Date(NaN))) : null))
    .refine((d) => d === null || !Number.isNaN(d.getTime()), msg('Enter a date and time, like 2027-01-31 17:00, or leave it blank.'));

export const assignmentInput = (timeZone: string) =>
  z.object({
    title: text(200, msg('Title is required.'), msg('Title must be at most 200 characters.')),
    description: optionalText(10_000, msg('Description must be at most 10,000 characters.')),
    points: wholeNumber(msg('Enter the points as a whole number from 1 to 1000.'), 1, 1000, 100),
    dueDate: dueDate(timeZone),
  });
export type AssignmentInput = z.infer<ReturnType<typeof assignmentInput>>;
export const ASSIGNMENT_FIELDS = ['title', 'description', 'points', 'dueDate'] as const;

/**
 * A checkbox that defaults to checked: the form sends a hidden `false` before the box's `true`,
 * so an unticked box still says so; a post without the field at all keeps the default (true).
 */
const checkbox = (fallback: boolean) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => {
      if (v === undefined) return fallback;
      const values = Array.isArray(v) ? v : [v];
      return values.some((x) => ['true', 'on', '1', 'yes'].includes(x));
    });

export const quizInput = z.object({
  title: text(200, msg('Title is required.'), msg('Title must be at most 200 characters.')),
  points: wholeNumber(msg('Enter the points as a whole number from 0 to 1000.'), 0, 1000, 10),
  required: checkbox(true),
});
export type QuizInput = z.infer<typeof quizInput>;
export const QUIZ_FIELDS = ['title', 'points'] as const;

/**
 * A question: `question`, the repeated field `options` (the form shows six inputs; blank ones are
 * dropped, 2 to 6 must remain) and `correctAnswer`, the index of the correct option among the
 * inputs as shown, remapped here to its index among the options kept.
 */
const questionText = text(1000, msg('The question is required.'), msg('The question must be at most 1000 characters.'));

export const questionInput = z
  .object({ question: z.unknown().optional(), options: z.unknown().optional(), correctAnswer: z.unknown().optional() })
  // One pass over the three fields, so that every problem is reported at once, not the first only.
  .transform((v, ctx) => {
    const question = questionText.safeParse(v.question);
    if (!question.success) ctx.addIssue({ code: 'custom', path: ['question'], message: question.error.issues[0]!.message });
    const inputs = (Array.isArray(v.options) ? v.options : v.options === undefined ? [] : [v.options]).map((x) => (typeof x === 'string' ? x : ''));
    const marked = typeof v.correctAnswer === 'string' && /^\s*\d{1,2}\s*$/.test(v.correctAnswer) ? Number(v.correctAnswer) : undefined;
    const kept: string[] = [];
    let correct: number | undefined;
    inputs.forEach((raw, index) => {
      const option = raw.replace(/\s+/g, ' ').trim();
      if (!option) return;
      if (index === marked) correct = kept.length;
      kept.push(option);
    });
    let optionsOk = false;
    if (kept.some((o) => o.length > OPTION_MAX_CHARS)) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: msg('Each option must be at most 300 characters.') });
    } else if (kept.length < QUESTION_MIN_OPTIONS || kept.length > QUESTION_MAX_OPTIONS) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: msg('Fill in 2 to 6 options.') });
    } else optionsOk = true;
    if (marked === undefined || marked >= Math.max(inputs.length, 1)) {
      ctx.addIssue({ code: 'custom', path: ['correctAnswer'], message: msg('Mark the correct option.') });
    } else if (correct === undefined) {
      ctx.addIssue({ code: 'custom', path: ['correctAnswer'], message: msg('Mark one of the filled options as correct.') });
    }
    if (!question.success || !optionsOk || correct === undefined) return z.NEVER;
    return { question: question.data, options: kept, correctAnswer: correct };
  });
export type QuestionInput = z.infer<typeof questionInput>;

/** What the question form shows again after a 422: the text, six option inputs, the marked one. */
export function typedQuestion(body: unknown): { question: string; options: string[]; correctAnswer: string } {
  const source = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const raw = source.options;
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((x): x is string => typeof x === 'string');
  const options = Array.from({ length: Math.max(QUESTION_MAX_OPTIONS, Math.min(list.length, 20)) }, (_, i) => list[i] ?? '');
  return {
    question: typeof source.question === 'string' ? source.question : '',
    options,
    correctAnswer: typeof source.correctAnswer === 'string' ? source.correctAnswer : '',
  };
}

/** The six option inputs for a stored question (its options, then blanks). */
export const optionInputs = (options: string[]): string[] =>
  Array.from({ length: Math.max(QUESTION_MAX_OPTIONS, options.length) }, (_, i) => options[i] ?? '');

export const moveInput = z.object({ direction: z.enum(['up', 'down'], { message: msg('Choose up or down.') }) });
