import { Router, type Request, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';
import { badgeList } from '../learning/badges.ts';
import { fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { isHtmx, render } from '../../http/render.ts';
import type { Logger } from '../../logger.ts';
import { newKey, type Storage } from '../../storage/index.ts';
import { toWebp } from '../../uploads/images.ts';
import type { UploadType } from '../../uploads/file-type.ts';
import { discardUpload, receiveUpload, type ReceivedUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import type { CertificateDeps } from '../certificates/service.ts';
import { quizGateMessage, type CompletionOutcome } from '../learning/completion.ts';
import type { Learner } from '../learning/context.ts';
import { setting } from '../system/settings.ts';
import { ATTACHMENT_IMAGE_MAX_WIDTH, ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, attachmentFile } from '../teaching/attachments.ts';
import { handInAssignment } from './hand-in.ts';
import { assessmentTarget, courseGrades, learnerAssessment, type LearnerAssessment, type LearnerQuestion } from './learner.ts';
import { takeQuiz, type QuizAttempt } from './quiz-taking.ts';
import { handInInput, lessonParams } from './student-schemas.ts';
import { markReturned } from './submissions.ts';

/**
 * The student side of assessments, under /learn/:slug (mounted inside learningRoutes, behind its
 * loadLearner): the lesson page's quiz or assignment (assessmentOnLessonPage, for lessonPage),
 * `POST /lessons/:lessonId/quiz` (htmx: the result replaces the form; without JS: 303 to the page,
 * which shows it), `POST /lessons/:lessonId/assignment` (multipart: file, `description`, `link`)
 * and `GET /grades`. Only an Active, unbanned student submits: a preview (the teacher, an admin)
 * sees the quiz and the assignment, and its POSTs answer 404, like /unlock.
 */

declare module 'express-session' {
  interface SessionData {
    /** The quiz attempt a no-JS submission redirects to, shown once by the lesson page. */
    quizAttempt?: QuizAttempt & { lessonId: string; bestScore: number; credited: number };
  }
}

/** The lesson page of learningRoutes, re-rendered with a refused form (422). */
export type LessonPage = (req: Request, res: Response, lessonId: string, extras: { assessmentForm?: AssessmentFormState }, status: number) => Promise<void>;

export interface AssessmentStudentDeps {
  db: Database;
  storage: Storage;
  config: Pick<Config, 'baseUrl' | 'uploadMaxBytes' | 'dataDir'>;
  logger: Logger;
  lessonPage: LessonPage;
}

/** A refused submission, to show its form again: the message(s) and what was typed or chosen. */
export type AssessmentFormState =
  | { kind: 'quiz'; message: string; answers: Record<string, number> }
  | { kind: 'assignment'; errors: FieldErrors; values: Record<string, string> };

const IMAGE_TYPES: UploadType[] = ['jpeg', 'png', 'webp', 'gif'];
const HOUR = 3_600_000;

const learnerOf = (res: Response) => res.locals.learner as Learner;
const lessonUrl = (learner: Learner, lessonId: string) => `/learn/${learner.course.slug}/lessons/${lessonId}`;

/** A page the browser fetches ahead on its own (link prefetching): nobody has read it yet. */
const isPrefetch = (req: Request) => /prefetch|prerender/i.test(`${req.get('Sec-Purpose') ?? ''} ${req.get('Purpose') ?? ''}`);

/** "Due in 3 days", "Due in 5 hours", "Past due": a catalogue message and its values (the view translates it). */
export function dueWording(dueDate: Date, now = Date.now()): { message: string; values?: { count: number }; past: boolean } {
  const left = dueDate.getTime() - now;
  if (left <= 0) return { message: msg('Past due'), past: true };
  if (left < HOUR) return { message: msg('Due in less than an hour'), past: false };
  if (left < 48 * HOUR) return { message: msg('Due in {count, plural, one {# hour} other {# hours}}'), values: { count: Math.floor(left / HOUR) }, past: false };
  return { message: msg('Due in {count, plural, one {# day} other {# days}}'), values: { count: Math.floor(left / (24 * HOUR)) }, past: false };
}

interface ResultItem {
  id: string;
  position: number;
  question: string;
  /** The learner's own choice, as its text; null when unanswered. */
  chosen: string | null;
  right: boolean;
}

/** A quiz result as _quiz_result.eta shows it. Never carries which option is right. */
export interface QuizResultView {
  current: boolean;
  score: number;
  correctAnswers: number;
  totalQuestions: number;
  /** The stored best, when it is higher than the attempt shown. */
  bestScore?: number;
  passed: boolean;
  pointsEarned: number;
  credited: number;
  items: ResultItem[];
}

function resultItems(questions: LearnerQuestion[], choose: (q: LearnerQuestion) => { chosen: number | null; right: boolean }): ResultItem[] {
  return questions.map((q) => {
    const { chosen, right } = choose(q);
    return { id: q.id, position: q.position, question: q.question, chosen: chosen !== null && chosen < q.options.length ? q.options[chosen]! : null, right };
  });
}

type Attempt = NonNullable<Request['session']['quizAttempt']>;

function quizView(assessment: Extract<LearnerAssessment, { kind: 'quiz' }>, passMark: number, attempt: Attempt | undefined) {
  const { quiz, questions, submission } = assessment;
  const bestScore = submission?.score;
  let result: QuizResultView | undefined;
  if (attempt && submission) {
    const right = new Set(attempt.right);
    result = {
      current: true,
      score: attempt.score,
      correctAnswers: attempt.correctAnswers,
      totalQuestions: attempt.totalQuestions,
      ...(submission.score > attempt.score ? { bestScore: submission.score } : {}),
      passed: submission.score >= passMark,
      pointsEarned: submission.pointsEarned,
      credited: attempt.credited,
      items: resultItems(questions, (q) => ({ chosen: attempt.answers[q.id] ?? null, right: right.has(q.id) })),
    };
  } else if (submission) {
    result = {
      current: false,
      score: submission.score,
      correctAnswers: submission.correctAnswers,
      totalQuestions: submission.totalQuestions,
      passed: submission.score >= passMark,
      pointsEarned: submission.pointsEarned,
      credited: 0,
      items: resultItems(questions, (q) => ({ chosen: q.chosen, right: q.answeredRight })),
    };
  }
  const gate = quiz.required && !(bestScore !== undefined && bestScore >= passMark) ? quizGateMessage(passMark) : undefined;
  return { kind: 'quiz' as const, quiz, questions, result, passMark, gate };
}

function assignmentView(assessment: Extract<LearnerAssessment, { kind: 'assignment' }>, config: AssessmentStudentDeps['config']) {
  const { assignment, submission } = assessment;
  const maxBytes = Math.min(ATTACHMENT_MAX_BYTES, config.uploadMaxBytes);
  return {
    kind: 'assignment' as const,
    assignment,
    submission,
    dueWording: assignment.dueDate ? dueWording(new Date(assignment.dueDate)) : undefined,
    maxMb: Math.max(1, Math.floor(maxBytes / (1024 * 1024))),
    values: { description: submission?.description ?? '', link: submission?.link ?? '' } as Record<string, string>,
    errors: {} as FieldErrors,
    gate: undefined as ReturnType<typeof quizGateMessage> | undefined,
  };
}

export type AssessmentView = (ReturnType<typeof quizView> | ReturnType<typeof assignmentView>) & { postUrl: string; preview: boolean; message?: string; answers?: Record<string, number> };

/**
 * The lesson's assessment for the lesson page (undefined when it has none). On a page shown to the
 * student (`shown`: not htmx, status 200), graded feedback on display turns Returned, and the
 * attempt of a no-JS quiz submission is taken from the session to be shown once.
 */
export async function assessmentOnLessonPage(
  deps: Pick<AssessmentStudentDeps, 'db' | 'config'>,
  req: Request,
  learner: Learner,
  lessonId: string,
  options: { shown: boolean; form?: AssessmentFormState; attempt?: Attempt },
): Promise<AssessmentView | undefined> {
  const { db } = deps;
  const shown = options.shown && !isPrefetch(req);
  const [assessment, passMark] = await Promise.all([learnerAssessment(db, lessonId, learner.user.id), setting(db, 'assessments.passMark')]);
  if (!assessment) return undefined;
  const base = { postUrl: `${lessonUrl(learner, lessonId)}/${assessment.kind}`, preview: !learner.enrollment };
  if (assessment.kind === 'quiz') {
    const pending = req.session.quizAttempt;
    const fromSession = pending && pending.lessonId === lessonId ? pending : undefined;
    if (fromSession && shown) delete req.session.quizAttempt;
    const attempt = options.attempt ?? fromSession;
    const form = options.form?.kind === 'quiz' ? { message: options.form.message, answers: options.form.answers } : {};
    return { ...quizView(assessment, passMark, attempt), ...base, ...form };
  }
  const view = assignmentView(assessment, deps.config);
  if (options.form?.kind === 'assignment') Object.assign(view, { values: options.form.values, errors: options.form.errors });
  if (shown && learner.enrollment && view.submission?.status === 'Graded') {
    if (await markReturned(db, view.submission.id, learner.user.id)) view.submission = { ...view.submission, status: 'Returned' };
  }
  return { ...view, ...base };
}

export function assessmentStudentRoutes(deps: AssessmentStudentDeps): Router {
  const { db, storage, config, logger } = deps;
  const router = Router({ mergeParams: true });
  const certificates: CertificateDeps = { db, storage, baseUrl: config.baseUrl, logger };
  const tempDir = uploadTempDir(config);

  /** The open lesson of this course that the student posts to, with its assessment; 404 for anything else (previews included). */
  async function targetOf(req: Request, res: Response) {
    const learner = learnerOf(res);
    const params = lessonParams.safeParse(req.params);
    if (!params.success || !learner.enrollment) throw notFound();
    const target = await assessmentTarget(db, learner.course.id, params.data.lessonId, learner.user.id);
    if (!target?.open) throw notFound();
    return { learner, enrollment: learner.enrollment, lessonId: params.data.lessonId, target };
  }

  const completionLearner = (learner: Learner, enrollmentId: string) => ({ userId: learner.user.id, courseId: learner.course.id, courseTitle: learner.course.title, enrollmentId });

  /** The flash's second sentence after a step that may have completed the lesson (badges, the certificate), in the reader's language. */
  function completionNote(tr: Translator, completion: CompletionOutcome | undefined): string {
    if (!completion?.found) return '';
    if (completion.certificate) return tr.t('Course completed: your certificate is ready on your dashboard.');
    if (completion.badges.length) {
      return tr.t('{count, plural, one {Badge earned} other {Badges earned}}: {badges}.', { count: completion.badges.length, badges: badgeList(tr, completion.badges) });
    }
    return '';
  }

  /** A flash of two sentences already in the reader's language (the second may be empty). */
  function flashBoth(req: Request, first: string, second: string) {
    if (first && second) setFlash(req, 'success', msg('{first} {second}'), { first, second });
    else if (first || second) setFlash(req, 'success', msg('{first}'), { first: first || second });
  }

  router.post('/lessons/:lessonId/quiz', async (req, res) => {
    res.vary('HX-Request');
    const { learner, enrollment, lessonId, target } = await targetOf(req, res);
    if (!target.quizId) throw notFound();
    const outcome = await takeQuiz(
      certificates,
      { ...completionLearner(learner, enrollment.id), lessonLink: `${lessonUrl(learner, lessonId)}#quiz` },
      target.quizId,
      req.body,
    );
    if (!outcome.ok) {
      if (outcome.status === 404) throw notFound();
      const form: AssessmentFormState = { kind: 'quiz', message: outcome.message, answers: outcome.answers };
      if (!isHtmx(req)) return deps.lessonPage(req, res, lessonId, { assessmentForm: form }, 422);
      const assessment = await assessmentOnLessonPage(deps, req, learner, lessonId, { shown: false, form });
      if (!assessment) throw notFound();
      return render(res, 'learn/_quiz', { assessment, learner }, 422);
    }
    const attempt = { ...outcome.attempt, lessonId, bestScore: outcome.best.score, credited: outcome.credited };
    const completion = outcome.completion?.found ? outcome.completion : undefined;
    if (isHtmx(req)) {
      const assessment = await assessmentOnLessonPage(deps, req, learner, lessonId, { shown: false, attempt });
      if (!assessment) throw notFound();
      // A passed required quiz completed the lesson: the completion region and the contents' tick come along out of band.
      const state = completion?.chapters.flatMap((c) => c.lessons).find((l) => l.id === lessonId);
      const oob =
        completion && state
          ? { swapOob: true, lesson: { id: lessonId, completed: completion.completed }, progress: completion.progress, badges: completion.badges, certificate: completion.certificate, tocLesson: state, slug: learner.course.slug }
          : undefined;
      return render(res, 'learn/_quiz', { assessment, learner, completionOob: oob });
    }
    req.session.quizAttempt = attempt;
    const tr = translatorOf(res);
    const points = outcome.credited > 0 ? tr.t('You earned {count, plural, one {# point} other {# points}}.', { count: outcome.credited }) : '';
    flashBoth(req, points, completionNote(tr, completion));
    res.redirect(303, `${lessonUrl(learner, lessonId)}#quiz`);
  });

  router.post('/lessons/:lessonId/assignment', async (req, res) => {
    res.vary('HX-Request');
    const { learner, enrollment, lessonId, target } = await targetOf(req, res);
    if (!target.assignmentId) throw notFound();
    const refuse = (errors: FieldErrors) =>
      deps.lessonPage(req, res, lessonId, { assessmentForm: { kind: 'assignment', errors, values: typedValues(req.body, ['description', 'link']) } }, 422);

    let upload: ReceivedUpload | undefined;
    try {
      upload = await receiveUpload(req, res, { field: 'file', tempDir, maxBytes: Math.min(ATTACHMENT_MAX_BYTES, config.uploadMaxBytes), accept: ATTACHMENT_TYPES });
    } catch (error) {
      if (error instanceof HttpError && error.status === 422) return refuse({ file: translatorOf(res).t(error.message, error.values) });
      throw error;
    }
    try {
      const parsed = handInInput.safeParse(req.body ?? {});
      if (!parsed.success) return await refuse(fieldErrors(parsed.error));
      const { description, link } = parsed.data;
      if (!upload && !description && !link) {
        const earlier = await db
          .selectFrom('assignmentSubmission')
          .select('fileKey')
          .where('assignmentId', '=', target.assignmentId)
          .where('userId', '=', learner.user.id)
          .executeTakeFirst();
        if (!earlier?.fileKey) return await refuse({ _form: msg('Hand in a file, some text or a link.'), description: msg('Write your answer, add a link or choose a file.') });
      }
      let fileKey: string | undefined;
      if (upload) {
        const isImage = IMAGE_TYPES.includes(upload.type);
        const file = attachmentFile(isImage ? 'webp' : upload.type, upload.originalName);
        if (!file) return await refuse({ file: msg('That file is not one we accept: office files must be named .doc, .xls or .ppt (or their newer x forms).') });
        const key = newKey('submissions', file.extension);
        if (isImage) {
          const image = await toWebp(upload.path, ATTACHMENT_IMAGE_MAX_WIDTH);
          await storage.put(key, image.buffer, { contentType: file.contentType, contentLength: image.buffer.length });
        } else {
          await storage.putFile(key, upload.path, { contentType: file.contentType });
        }
        fileKey = key;
      }
      const outcome = await handInAssignment(certificates, completionLearner(learner, enrollment.id), {
        assignmentId: target.assignmentId,
        lessonId,
        description,
        link,
        ...(fileKey ? { fileKey } : {}),
      });
      const tr = translatorOf(res);
      const said = outcome.late ? tr.t('Handed in after the due date: it is marked late.') : tr.t('Handed in. Your teacher will grade it.');
      flashBoth(req, said, completionNote(tr, outcome.completion));
      res.redirect(303, `${lessonUrl(learner, lessonId)}#assignment`);
    } finally {
      await discardUpload(upload);
    }
  });

  router.get('/grades', async (req, res) => {
    const learner = learnerOf(res);
    const rows = await courseGrades(db, learner.course.id, { userId: learner.user.id, manages: learner.preview });
    // Graded feedback on display is returned to the student (one statement for all of it).
    const graded = rows.filter((r) => r.submissionStatus === 'Graded').map((r) => r.submissionId!);
    if (graded.length && learner.enrollment && !isHtmx(req) && !isPrefetch(req)) {
      await markReturned(db, graded, learner.user.id);
      for (const r of rows) if (r.submissionStatus === 'Graded') r.submissionStatus = 'Returned';
    }
    let earned = 0;
    let possible = 0;
    for (const r of rows) {
      possible += r.points;
      if (r.kind === 'assignment' && (r.submissionStatus === 'Graded' || r.submissionStatus === 'Returned')) earned += r.grade ?? 0;
      if (r.kind === 'quiz') earned += r.pointsEarned ?? 0;
    }
    render(res, 'learn/grades', { title: translatorOf(res).t('Grades · {course}', { course: learner.course.title }), learner, rows, earned, possible });
  });

  return router;
}
