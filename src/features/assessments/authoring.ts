import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../storage/index.ts';
import { recordActivity, type AuditAction, type AuditContext } from '../audit/activity.ts';
import { lockParent, move, nextPosition, QUESTIONS, renumber } from '../teaching/positions.ts';
import type { AssignmentInput, QuestionInput, QuizInput } from './authoring-schemas.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { MessageValues } from '../../i18n/translator.ts';

/**
 * Teachers author assessments (spec workflow 5): a lesson carries one assignment OR one quiz; a
 * quiz has ordered questions. Each write is one transaction with its audit row. No HTTP here.
 *
 * "One per lesson" is the database's rule (the trigger lesson_single_assessment and the unique
 * lesson_id of each table): we do not check first and insert after (two posts at once would both
 * pass the check), we insert and turn the database's refusal into the teacher's message.
 */

type Audit = AuditContext;
type Kind = 'assignment' | 'quiz';

/** `message` (and `errors`) are catalogue messages; `values` fill their placeholders. */
export type Refusal = { ok: false; status: 404 | 422; message: string; values?: MessageValues; errors?: Record<string, string> };
export type Created = { ok: true; id: string } | Refusal;
export type Done = { ok: true } | Refusal;

export interface FileDeps {
  db: Database;
  storage: Storage;
  logger: Logger;
}

/** A quiz holds at most this many questions (a 100-question page still loads on a slow phone). */
export const QUESTIONS_PER_QUIZ = 100;

const audit = (trx: Database, a: Audit, action: AuditAction, entityType: string, entityId: string, metadata: Record<string, unknown>) =>
  recordActivity(trx, a, { action, entityType, entityId, metadata });

/** The teacher's message when the lesson already has `existing` and they tried to add `adding` (whole sentences of the catalogue). */
export function alreadyHas(existing: Kind, adding: Kind): string {
  if (existing === 'assignment') {
    return adding === 'assignment'
      ? msg('This lesson already has an assignment: a lesson takes one assignment or one quiz. Edit the one it has, or delete it first to start again.')
      : msg('This lesson already has an assignment: a lesson takes one assignment or one quiz. Delete it first to add a quiz.');
  }
  return adding === 'quiz'
    ? msg('This lesson already has a quiz: a lesson takes one assignment or one quiz. Edit the one it has, or delete it first to start again.')
    : msg('This lesson already has a quiz: a lesson takes one assignment or one quiz. Delete it first to add an assignment.');
}

/**
 * What the database said when `adding` was refused: the lesson already has one of the same kind
 * (unique lesson_id: 23505), or of the other kind (the trigger: 23514, raised without a constraint
 * name, unlike a CHECK); undefined for any other error.
 */
function existingOf(error: unknown, adding: Kind): Kind | undefined {
  const e = error as { code?: string; constraint?: string; table?: string };
  if (e?.code === '23505' && e.constraint === `${adding}_lesson_id_key`) return adding;
  if (e?.code === '23514' && !e.constraint && e.table === adding) return adding === 'assignment' ? 'quiz' : 'assignment';
  return undefined;
}

const isForeignKeyViolation = (error: unknown) => (error as { code?: string })?.code === '23503';

const lessonGone: Refusal = { ok: false, status: 404, message: msg('We could not find that lesson.') };

async function create(kind: Kind, insert: () => Promise<string>): Promise<Created> {
  try {
    return { ok: true, id: await insert() };
  } catch (error) {
    const existing = existingOf(error, kind);
    if (existing) return { ok: false, status: 422, message: alreadyHas(existing, kind) };
    if (isForeignKeyViolation(error)) return lessonGone;
    throw error;
  }
}

// Assignments

export function createAssignment(db: Database, a: Audit, lessonId: string, input: AssignmentInput): Promise<Created> {
  return create('assignment', () =>
    db.transaction().execute(async (trx) => {
      const { id } = await trx.insertInto('assignment').values({ lessonId, ...input }).returning('id').executeTakeFirstOrThrow();
      await audit(trx, a, 'assignment_created', 'assignment', id, { lessonId, title: input.title, points: input.points });
      return id;
    }),
  );
}

/**
 * Saves the assignment's details. Its points cannot drop below a grade already given (a grade of
 * 80 out of 50 would make no sense in the gradebook): the assignment row is locked meanwhile.
 */
export function updateAssignment(db: Database, a: Audit, assignmentId: string, input: AssignmentInput): Promise<Done> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('assignment').select('id').where('id', '=', assignmentId).forUpdate().executeTakeFirst();
    if (!row) return { ok: false as const, status: 404 as const, message: msg('We could not find that assignment.') };
    const { top } = await trx
      .selectFrom('assignmentSubmission')
      .select((eb) => eb.fn.max('grade').as('top'))
      .where('assignmentId', '=', assignmentId)
      .executeTakeFirstOrThrow();
    if (top !== null && top > input.points) {
      const message = msg('A submission is already graded {top}: the points cannot go below that.');
      return { ok: false as const, status: 422 as const, message, values: { top }, errors: { points: message } };
    }
    await trx.updateTable('assignment').set(input).where('id', '=', assignmentId).execute();
    await audit(trx, a, 'assignment_updated', 'assignment', assignmentId, { title: input.title, points: input.points, dueDate: input.dueDate?.toISOString() ?? null });
    return { ok: true as const };
  });
}

const quietDelete = (deps: FileDeps, keys: string[], why: string) =>
  Promise.all(keys.map((key) => deps.storage.delete(key).catch((err: unknown) => deps.logger.warn({ err, key }, why))));

/**
 * Deletes the assignment with its submissions (cascade), then, once that is committed, its file
 * and the students' submitted files. False when it was gone already.
 */
export async function deleteAssignment(deps: FileDeps, a: Audit, assignmentId: string): Promise<boolean> {
  const files = await deps.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('assignment').select(['fileKey', 'lessonId', 'title']).where('id', '=', assignmentId).forUpdate().executeTakeFirst();
    if (!row) return undefined;
    const submitted = await trx.selectFrom('assignmentSubmission').select('fileKey').where('assignmentId', '=', assignmentId).execute();
    await trx.deleteFrom('assignment').where('id', '=', assignmentId).execute();
    await audit(trx, a, 'assignment_deleted', 'assignment', assignmentId, { lessonId: row.lessonId, title: row.title, submissions: submitted.length });
    return [row.fileKey, ...submitted.map((s) => s.fileKey)].filter((k): k is string => !!k);
  });
  if (!files) return false;
  // After the commit; a failed delete leaves an unreferenced file for the sweep (collect-unreferenced-files).
  await quietDelete(deps, files, 'could not delete a stored file');
  return true;
}

/**
 * Points the assignment at a file already stored under `key`. The file it replaces is read under
 * the row lock and deleted after the commit, so parallel replacements each delete exactly the one
 * they replaced. When the assignment is gone (or anything fails) the new file is deleted.
 */
export async function setAssignmentFile(deps: FileDeps, a: Audit, assignmentId: string, file: { key: string; fileName: string }): Promise<boolean> {
  let replaced: string | null | undefined;
  try {
    replaced = await deps.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('assignment').select('fileKey').where('id', '=', assignmentId).forUpdate().executeTakeFirst();
      if (!row) return undefined;
      await trx.updateTable('assignment').set({ fileKey: file.key }).where('id', '=', assignmentId).execute();
      await audit(trx, a, 'assignment_updated', 'assignment', assignmentId, { fileKey: file.key, fileName: file.fileName, replaced: row.fileKey });
      return row.fileKey;
    });
  } catch (error) {
    await quietDelete(deps, [file.key], 'could not delete an unused stored file');
    throw error;
  }
  if (replaced === undefined) {
    await quietDelete(deps, [file.key], 'could not delete an unused stored file');
    return false;
  }
  if (replaced && replaced !== file.key) await quietDelete(deps, [replaced], 'could not delete a replaced file');
  return true;
}

/** Removes the assignment's file (row, then storage). False when there was none. */
export async function removeAssignmentFile(deps: FileDeps, a: Audit, assignmentId: string): Promise<boolean> {
  const removed = await deps.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('assignment').select('fileKey').where('id', '=', assignmentId).forUpdate().executeTakeFirst();
    if (!row?.fileKey) return undefined;
    await trx.updateTable('assignment').set({ fileKey: null }).where('id', '=', assignmentId).execute();
    await audit(trx, a, 'assignment_updated', 'assignment', assignmentId, { fileKey: null, replaced: row.fileKey });
    return row.fileKey;
  });
  if (!removed) return false;
  await quietDelete(deps, [removed], 'could not delete a stored file');
  return true;
}

// Quizzes

export function createQuiz(db: Database, a: Audit, lessonId: string, input: QuizInput): Promise<Created> {
  return create('quiz', () =>
    db.transaction().execute(async (trx) => {
      const { id } = await trx.insertInto('quiz').values({ lessonId, ...input }).returning('id').executeTakeFirstOrThrow();
      await audit(trx, a, 'quiz_created', 'quiz', id, { lessonId, title: input.title, points: input.points, required: input.required });
      return id;
    }),
  );
}

export async function updateQuiz(db: Database, a: Audit, quizId: string, input: QuizInput): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('quiz').set(input).where('id', '=', quizId).returning('id').executeTakeFirst();
    if (!row) return false;
    await audit(trx, a, 'quiz_updated', 'quiz', quizId, { title: input.title, points: input.points, required: input.required });
    return true;
  });
}

/** Deletes the quiz with its questions and students' attempts (cascade). Points already earned stay earned. */
export async function deleteQuiz(db: Database, a: Audit, quizId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('quiz').where('id', '=', quizId).returning(['lessonId', 'title']).executeTakeFirst();
    if (!row) return false;
    await audit(trx, a, 'quiz_deleted', 'quiz', quizId, { lessonId: row.lessonId, title: row.title });
    return true;
  });
}

// Questions: positions 1..n within the quiz, changed under the quiz's row lock (teaching/positions.ts).

export async function addQuestion(db: Database, a: Audit, quizId: string, input: QuestionInput): Promise<Created> {
  try {
    return await db.transaction().execute(async (trx) => {
      await lockParent(trx, QUESTIONS, quizId);
      const position = await nextPosition(trx, QUESTIONS, quizId);
      if (position > QUESTIONS_PER_QUIZ) {
        return { ok: false as const, status: 422 as const, message: msg('A quiz holds at most {max} questions.'), values: { max: QUESTIONS_PER_QUIZ } };
      }
      const { id } = await trx.insertInto('quizQuestion').values({ quizId, ...input, position }).returning('id').executeTakeFirstOrThrow();
      await audit(trx, a, 'question_added', 'quiz_question', id, { quizId, position });
      return { ok: true as const, id };
    });
  } catch (error) {
    if (isForeignKeyViolation(error)) return { ok: false, status: 404, message: msg('We could not find that quiz.') };
    throw error;
  }
}

export async function updateQuestion(db: Database, a: Audit, questionId: string, input: QuestionInput): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.updateTable('quizQuestion').set(input).where('id', '=', questionId).returning('quizId').executeTakeFirst();
    if (!row) return false;
    await audit(trx, a, 'question_updated', 'quiz_question', questionId, { quizId: row.quizId });
    return true;
  });
}

export async function deleteQuestion(db: Database, a: Audit, questionId: string, quizId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockParent(trx, QUESTIONS, quizId);
    const row = await trx.deleteFrom('quizQuestion').where('id', '=', questionId).where('quizId', '=', quizId).returning('position').executeTakeFirst();
    if (!row) return false;
    await renumber(trx, QUESTIONS, quizId);
    await audit(trx, a, 'question_deleted', 'quiz_question', questionId, { quizId, position: row.position });
    return true;
  });
}

/** Swaps the question with its neighbour; false when it is already first (up) or last (down). */
export async function moveQuestion(db: Database, a: Audit, questionId: string, quizId: string, direction: 'up' | 'down'): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockParent(trx, QUESTIONS, quizId);
    const moved = await move(trx, QUESTIONS, quizId, questionId, direction);
    if (moved) await audit(trx, a, 'question_moved', 'quiz_question', questionId, { quizId, direction });
    return moved;
  });
}
