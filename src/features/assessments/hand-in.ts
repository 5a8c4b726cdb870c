import type { CertificateDeps } from '../certificates/service.ts';
import { completeLesson, type CompletionLearner, type CompletionOutcome } from '../learning/completion.ts';
import { handIn, isLate } from './submissions.ts';

/**
 * A student hands in an assignment (no HTTP here; the route has received and stored any file).
 * One transaction: the submission through the state machine (submissions.ts handIn: one row per
 * student and assignment, one more to submissionCount, Pending again) and a SubmittedAssignment
 * activity. After the commit the lesson is completed and the file this hand-in replaced is
 * deleted from storage. After the due date the hand-in is still taken, and is late.
 */

export interface HandInInput {
  assignmentId: string;
  lessonId: string;
  description: string | null;
  link: string | null;
  /** A new file already in storage; undefined keeps an earlier hand-in's file. */
  fileKey?: string;
}

export interface HandInOutcome {
  submissionId: string;
  submissionCount: number;
  late: boolean;
  completion: CompletionOutcome;
}

export async function handInAssignment(
  deps: CertificateDeps,
  learner: CompletionLearner & { enrollmentId: string },
  input: HandInInput,
): Promise<HandInOutcome> {
  const { db, storage, logger } = deps;
  let result: { id: string; submissionCount: number; replacedFileKey: string | null; late: boolean };
  try {
    result = await db.transaction().execute(async (trx) => {
      const handed = await handIn(trx, {
        assignmentId: input.assignmentId,
        userId: learner.userId,
        description: input.description,
        link: input.link,
        ...(input.fileKey !== undefined ? { fileKey: input.fileKey } : {}),
      });
      const row = await trx
        .selectFrom('assignmentSubmission as s')
        .innerJoin('assignment as a', 'a.id', 's.assignmentId')
        .select(['s.submittedAt', 'a.dueDate', 'a.title'])
        .where('s.id', '=', handed.id)
        .executeTakeFirstOrThrow();
      const late = isLate(row.submittedAt, row.dueDate);
      await trx
        .insertInto('studentActivity')
        .values({
          enrollmentId: learner.enrollmentId,
          type: 'SubmittedAssignment',
          description: `Handed in "${row.title}"${late ? ' (late)' : ''}`,
          metadata: JSON.stringify({ assignmentId: input.assignmentId, lessonId: input.lessonId, submissionId: handed.id, submissionCount: handed.submissionCount, late }),
        })
        .execute();
      await trx.updateTable('enrollment').set({ lastActivityAt: new Date() }).where('id', '=', learner.enrollmentId).execute();
      return { ...handed, late };
    });
  } catch (error) {
    // Nothing references the new file: remove it rather than leave it for the sweep.
    if (input.fileKey) await storage.delete(input.fileKey).catch((err: unknown) => logger.warn({ err, key: input.fileKey }, 'could not delete an unused stored file'));
    throw error;
  }
  if (result.replacedFileKey) {
    const key = result.replacedFileKey;
    await storage.delete(key).catch((err: unknown) => logger.warn({ err, key }, 'could not delete a replaced submission file'));
  }
  const completion = await completeLesson(deps, learner, input.lessonId);
  return { submissionId: result.id, submissionCount: result.submissionCount, late: result.late, completion };
}
