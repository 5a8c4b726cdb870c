import { msg } from '../../i18n/catalogue.ts';
import { sql } from 'kysely';
import type { CertificateDeps } from '../certificates/service.ts';
import { completeLesson, type CompletionLearner, type CompletionOutcome } from '../learning/completion.ts';
import { notify } from '../notifications/notify.ts';
import { creditPoints } from '../points/ledger.ts';
import { setting } from '../system/settings.ts';

/**
 * Taking a quiz (no HTTP here): the answers are checked against the quiz's own questions, scored on
 * the server, and kept as the learner's one row per quiz, which holds their BEST attempt (Moodle's
 * "highest grade"). Points follow the best: the user's points rise by the improvement of
 * `pointsEarned` over the stored best only, so retaking can never farm points. A required quiz
 * completes its lesson once the best score reaches the pass mark.
 *
 * The right options (`correctAnswer`) are read here and nowhere near a view: what leaves this
 * module is, per question, the learner's own choice and whether it was right.
 */

export interface QuizAttempt {
  score: number;
  correctAnswers: number;
  totalQuestions: number;
  pointsEarned: number;
  /** questionId -> the chosen option's index (unanswered questions are absent). */
  answers: Record<string, number>;
  /** The questions answered right, by id. */
  right: string[];
}

export type QuizOutcome =
  | { ok: false; status: 404 | 422; message: string; /** The valid choices, to show the form again as it was. */ answers: Record<string, number> }
  | {
      ok: true;
      attempt: QuizAttempt;
      /** The stored best after this attempt. */
      best: { score: number; pointsEarned: number };
      /** Points added to the user by this attempt (0 unless it beat the stored best's points). */
      credited: number;
      passMark: number;
      required: boolean;
      /** The lesson's completion, when this attempt completed it (a required quiz passed). */
      completion?: CompletionOutcome;
    };

export interface QuizTaker extends CompletionLearner {
  enrollmentId: string;
  /** The lesson's link, for the PointsEarned notification. */
  lessonLink: string;
}

type Question = { id: string; options: string[]; correctAnswer: number };

/** Parses a submitted form (every field but `_csrf`) against the quiz's questions. */
export function parseAnswers(questions: Question[], body: unknown): { ok: true; answers: Record<string, number> } | { ok: false; message: string; answers: Record<string, number> } {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const answers: Record<string, number> = {};
  let problem: string | undefined;
  const fields = body && typeof body === 'object' ? Object.entries(body as Record<string, unknown>) : [];
  for (const [key, value] of fields) {
    if (key === '_csrf') continue;
    const question = byId.get(key);
    if (!question) {
      problem ??= msg('The answers did not match this quiz. Please answer the questions below.');
      continue;
    }
    const index = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(index) || index < 0 || index >= question.options.length) {
      problem ??= msg('One of the answers is not an option of its question. Please choose again.');
      continue;
    }
    answers[key] = index;
  }
  return problem ? { ok: false, message: problem, answers } : { ok: true, answers };
}

export function scoreAttempt(questions: Question[], answers: Record<string, number>, quizPoints: number): QuizAttempt {
  const right = questions.filter((q) => answers[q.id] === q.correctAnswer).map((q) => q.id);
  const total = questions.length;
  const score = Math.round((100 * right.length) / total);
  return { score, correctAnswers: right.length, totalQuestions: total, pointsEarned: Math.round((quizPoints * score) / 100), answers, right };
}

export async function takeQuiz(deps: CertificateDeps, taker: QuizTaker, quizId: string, body: unknown): Promise<QuizOutcome> {
  const { db } = deps;
  const [quiz, questions, passMark] = await Promise.all([
    db.selectFrom('quiz').select(['id', 'title', 'points', 'required', 'lessonId']).where('id', '=', quizId).executeTakeFirst(),
    db.selectFrom('quizQuestion').select(['id', 'options', 'correctAnswer']).where('quizId', '=', quizId).orderBy('position').execute(),
    setting(db, 'assessments.passMark'),
  ]);
  if (!quiz) return { ok: false, status: 404, message: msg('We could not find that quiz.'), answers: {} };
  if (questions.length === 0) return { ok: false, status: 422, message: msg('This quiz has no questions yet: there is nothing to answer.'), answers: {} };
  const parsed = parseAnswers(questions, body);
  if (!parsed.ok) return { ok: false, status: 422, message: parsed.message, answers: parsed.answers };
  const attempt = scoreAttempt(questions, parsed.answers, quiz.points);

  const stored = await db.transaction().execute(async (trx) => {
    const values = {
      score: attempt.score,
      correctAnswers: attempt.correctAnswers,
      totalQuestions: attempt.totalQuestions,
      pointsEarned: attempt.pointsEarned,
      answers: JSON.stringify(attempt.answers),
    };
    // The first attempt inserts the row; any later (or racing) one waits for it, then locks it.
    const inserted = await trx
      .insertInto('quizSubmission')
      .values({ quizId, userId: taker.userId, ...values })
      .onConflict((oc) => oc.columns(['userId', 'quizId']).doNothing())
      .returning(['score', 'pointsEarned'])
      .executeTakeFirst();
    let previousPoints = 0;
    let best = { score: attempt.score, pointsEarned: attempt.pointsEarned };
    if (!inserted) {
      const row = await trx
        .selectFrom('quizSubmission')
        .select(['id', 'score', 'pointsEarned'])
        .where('quizId', '=', quizId)
        .where('userId', '=', taker.userId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      previousPoints = row.pointsEarned;
      if (attempt.score >= row.score) {
        await trx.updateTable('quizSubmission').set({ ...values, submittedAt: sql<Date>`now()` }).where('id', '=', row.id).execute();
      } else {
        await trx.updateTable('quizSubmission').set({ submittedAt: sql<Date>`now()` }).where('id', '=', row.id).execute();
        best = { score: row.score, pointsEarned: row.pointsEarned };
      }
    }
    const credited = Math.max(0, best.pointsEarned - previousPoints);
    if (credited > 0) {
      await creditPoints(trx, {
        userId: taker.userId,
        points: credited,
        reason: 'Quiz',
        description: quiz.title ? msg('"{quiz}" in "{course}"') : msg('A quiz in "{course}"'),
        values: { quiz: quiz.title ?? '', course: taker.courseTitle },
        link: taker.lessonLink,
      });
      await notify(trx, {
        userId: taker.userId,
        type: 'PointsEarned',
        title: msg('Quiz: {points, plural, one {# point} other {# points}} earned'),
        message: quiz.title
          ? msg('You earned {points, plural, one {# point} other {# points}} with "{quiz}" in "{course}".')
          : msg('You earned {points, plural, one {# point} other {# points}} with the quiz in "{course}".'),
        values: { points: credited, quiz: quiz.title ?? '', course: taker.courseTitle },
        link: taker.lessonLink,
      });
    }
    await trx.updateTable('enrollment').set({ lastActivityAt: new Date() }).where('id', '=', taker.enrollmentId).execute();
    return { best, credited };
  });

  const passed = stored.best.score >= passMark;
  const completion = quiz.required && passed ? await completeLesson(deps, taker, quiz.lessonId) : undefined;
  return { ok: true, attempt, best: stored.best, credited: stored.credited, passMark, required: quiz.required, ...(completion ? { completion } : {}) };
}
