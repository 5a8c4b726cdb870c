import type { Transaction } from 'kysely';
import type { DB } from '../../db/types.ts';
import { issueCertificate, type CertificateDeps } from '../certificates/service.ts';
import { setting } from '../system/settings.ts';
import { msg } from '../../i18n/catalogue.ts';
import { awardBadge, hasSevenDayStreak, type BadgeType } from './badges.ts';

/** The badges a completion can earn (the others are for later features). */
type CourseBadge = 'FirstLessonCompleted' | 'SevenDayStreak' | 'HundredPercentProgress';
import { learnerCurriculum, progressOf, type ChapterState } from './curriculum.ts';

/**
 * A lesson marked done (or not done again), as one step: the curriculum is read once, under a lock
 * on the enrollment (so two completions at once see each other's result), the toggle, the activity,
 * the badges with their points, and whether the certificate is now due are decided together in one
 * transaction; the certificate (a PDF in storage) is issued right after it commits.
 */

export interface CompletionLearner {
  userId: string;
  courseId: string;
  courseTitle: string;
  /** Undefined for a preview by the teacher or an admin: nothing changes. */
  enrollmentId?: string;
}

export type CompletionOutcome =
  | { found: false }
  | {
      found: true;
      completed: boolean;
      /** The badges this completion earned (their names: badges.ts BADGE_NAME). */
      badges: BadgeType[];
      certificate: boolean;
      /** The curriculum after the step (for the progress bar and the contents' ticks). */
      chapters: ChapterState[];
      progress: ReturnType<typeof progressOf>;
      /** Set when the lesson may not be marked complete yet (its required quiz is not passed): why. */
      refused?: QuizGate;
    };

/** What a learner reads while a required quiz stands between them and completing its lesson. */
export type QuizGate = { message: string; values: { passMark: number } };
export const quizGateMessage = (passMark: number): QuizGate => ({ message: msg('Pass the quiz ({passMark} % or more) to complete this lesson.'), values: { passMark } });

/**
 * A lesson with a required quiz is completed by passing it (its best submission's score at or above
 * the pass mark, assessments.passMark): until then it cannot be marked complete by hand. Undefined
 * when nothing stands in the way, else the message.
 */
async function quizGate(trx: Transaction<DB>, lessonId: string, userId: string): Promise<QuizGate | undefined> {
  const quiz = await trx
    .selectFrom('quiz as q')
    .leftJoin('quizSubmission as s', (join) => join.onRef('s.quizId', '=', 'q.id').on('s.userId', '=', userId))
    .select('s.score')
    .where('q.lessonId', '=', lessonId)
    .where('q.required', '=', true)
    .executeTakeFirst();
  if (!quiz) return undefined;
  const passMark = await setting(trx, 'assessments.passMark');
  return quiz.score !== null && quiz.score >= passMark ? undefined : quizGateMessage(passMark);
}

/**
 * The completion button: done, or not done again. Marking done is refused while a required quiz is
 * not passed. `wanted` is the state the button asked for (its form says which): when the lesson is
 * already in that state nothing changes, so a form sent twice (a double click, or a completion made
 * offline that the service worker sends again when the connection returns) does not undo itself.
 */
export function toggleLessonCompletion(deps: CertificateDeps, learner: CompletionLearner, lessonId: string, wanted?: boolean): Promise<CompletionOutcome> {
  return changeCompletion(deps, learner, lessonId, 'toggle', wanted);
}

/**
 * Marks a lesson done (a handed-in assignment, a passed quiz): idempotent, with the same activity,
 * badges and certificate as the button.
 */
export function completeLesson(deps: CertificateDeps, learner: CompletionLearner, lessonId: string): Promise<CompletionOutcome> {
  return changeCompletion(deps, learner, lessonId, 'complete');
}

async function changeCompletion(deps: CertificateDeps, learner: CompletionLearner, lessonId: string, mode: 'toggle' | 'complete', wanted?: boolean): Promise<CompletionOutcome> {
  const { db } = deps;
  if (!learner.enrollmentId) {
    const chapters = await learnerCurriculum(db, learner.courseId, { userId: learner.userId, manages: true });
    const state = chapters.flatMap((c) => c.lessons).find((l) => l.id === lessonId);
    if (!state) return { found: false };
    return { found: true, completed: state.completed, badges: [], certificate: false, chapters, progress: progressOf(chapters) };
  }
  const enrollmentId = learner.enrollmentId;
  const badgePoints = await setting(db, 'learning.badgePoints');

  const outcome = await db.transaction().execute(async (trx) => {
    const enrollment = await trx.selectFrom('enrollment').select(['certificateEarned']).where('id', '=', enrollmentId).forUpdate().executeTakeFirstOrThrow();
    const chapters = await learnerCurriculum(trx, learner.courseId, { userId: learner.userId, manages: false });
    const state = chapters.flatMap((c) => c.lessons).find((l) => l.id === lessonId);
    if (!state?.open) return { found: false as const };
    const unchanged = (refused?: QuizGate) => ({
      found: true as const,
      completed: state.completed,
      badges: [],
      certificate: false,
      chapters,
      progress: progressOf(chapters),
      ...(refused ? { refused } : {}),
    });
    // Read under the enrollment's lock: every completion of this enrollment waits for this one.
    if (mode === 'complete' && state.completed) return unchanged();
    if (wanted !== undefined && state.completed === wanted) return unchanged();
    if (mode === 'toggle' && !state.completed) {
      const refused = await quizGate(trx, lessonId, learner.userId);
      if (refused) return unchanged(refused);
    }

    // The row opening the lesson made (learning/service.ts recordLessonView) is updated, its
    // created_at (the first access) kept; made here when there is none (a lesson completed by a quiz
    // or an assignment sent from elsewhere, or a completion sent again after the page was saved
    // offline). The state wanted is the one read under the enrollment's lock.
    const completed = mode === 'complete' ? true : !state.completed;
    const row = await trx
      .insertInto('lessonProgress')
      .values({ userId: learner.userId, lessonId, completed })
      .onConflict((oc) => oc.columns(['userId', 'lessonId']).doUpdateSet({ completed }))
      .returning('completed')
      .executeTakeFirstOrThrow();
    state.completed = row.completed;
    const progress = progressOf(chapters);
    const earned: CourseBadge[] = [];
    if (row.completed) {
      await trx
        .insertInto('studentActivity')
        .values({ enrollmentId, type: 'CompletedLesson', description: 'Completed a lesson', metadata: JSON.stringify({ lessonId }) })
        .execute();
      await trx.updateTable('enrollment').set({ lastActivityAt: new Date() }).where('id', '=', enrollmentId).execute();
      const award = async (badge: CourseBadge) => {
        if (await awardBadge(trx, { enrollmentId, userId: learner.userId, badge, points: badgePoints[badge], courseTitle: learner.courseTitle })) earned.push(badge);
      };
      await award('FirstLessonCompleted');
      if (await hasSevenDayStreak(trx, enrollmentId)) await award('SevenDayStreak');
      if (progress.percent === 100) await award('HundredPercentProgress');
    }
    // At 100%, once: a revoked certificate is issued again only by the teacher or an admin.
    const certificate = row.completed && progress.percent === 100 && !enrollment.certificateEarned;
    return { found: true as const, completed: row.completed, badges: earned, certificate, chapters, progress };
  });

  if (outcome.found && outcome.certificate) await issueCertificate(deps, enrollmentId);
  return outcome;
}
