import { Router, type Request, type Response } from 'express';
import { HttpError, notFound } from '../../http/errors.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { MessageValues } from '../../i18n/translator.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues } from '../../http/forms.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { isHtmx, render } from '../../http/render.ts';
import { newKey } from '../../storage/index.ts';
import type { UploadType } from '../../uploads/file-type.ts';
import { toWebp } from '../../uploads/images.ts';
import { discardUpload, receiveUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import type { AuditContext } from '../audit/activity.ts';
import { ATTACHMENT_IMAGE_MAX_WIDTH, ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, attachmentFile } from '../teaching/attachments.ts';
import { loadLesson } from '../teaching/load.ts';
import type { MediaDeps } from '../teaching/media-upload-routes.ts';
import { renderLessonPage } from '../teaching/structure-routes.ts';
import {
  addQuestion,
  createAssignment,
  createQuiz,
  deleteAssignment,
  deleteQuestion,
  deleteQuiz,
  moveQuestion,
  removeAssignmentFile,
  setAssignmentFile,
  updateAssignment,
  updateQuestion,
  updateQuiz,
} from './authoring.ts';
import { ASSIGNMENT_FIELDS, assignmentInput, moveInput, optionInputs, QUIZ_FIELDS, questionInput, quizInput, typedQuestion } from './authoring-schemas.ts';
import {
  lessonAssessment,
  loadAssignment,
  loadQuestion,
  loadQuiz,
  type AssessmentForm,
  type LoadedAssignment,
  type LoadedQuestion,
  type LoadedQuiz,
} from './load.ts';

/**
 * The teacher's assessment authoring, from the lesson's edit page (#assessment): one assignment
 * (with an optional file) or one quiz (with ordered questions) per lesson. Every action is a plain
 * form: 303 back to the lesson page's anchor, or 422 with the lesson page and the refused form
 * filled in as typed. The questions' add, move and delete also answer htmx with the #questions
 * block. Ownership comes from the loaders (load.ts): anyone who does not manage the course gets 404.
 */

type AuditOf = (req: Request, res: Response) => AuditContext;

const IMAGE_TYPES: UploadType[] = ['jpeg', 'png', 'webp', 'gif'];

export function assessmentAuthoringRoutes(deps: MediaDeps, a: AuditOf): Router {
  const { db, storage, config, logger } = deps;
  const files = { db, storage, logger };
  const router = Router();
  const lessonLoader = loadLesson(db);
  router.param('lessonId', lessonLoader);
  router.param('assignmentId', loadAssignment(db));
  router.param('quizId', loadQuiz(db));
  router.param('questionId', loadQuestion(db));
  const tempDir = uploadTempDir(config);

  const back = (lessonId: string, anchor = 'assessment') => `/teach/lessons/${lessonId}#${anchor}`;

  /** The lesson as the lesson page expects it in res.locals (the one loader), for routes keyed by something else. */
  const withLesson = (req: Request, res: Response, lessonId: string) =>
    new Promise<void>((resolve, reject) => {
      lessonLoader(req, res, (error?: unknown) => (error ? reject(error) : resolve()), lessonId).catch(reject);
    });

  /** The quiz's #questions block alone (htmx). */
  async function questionsBlock(res: Response, lessonId: string, form?: AssessmentForm, status = 200) {
    const assessment = await lessonAssessment(db, lessonId);
    if (assessment.kind !== 'quiz') throw notFound();
    render(res, 'teach/_questions', { lesson: { id: lessonId }, assessment, assessmentForm: form }, status);
  }

  /** A refused form: the lesson page again with it (or, for a question sent by htmx, the questions block). */
  async function refuse(req: Request, res: Response, lessonId: string, form: AssessmentForm, status = 422) {
    if (isHtmx(req) && form.form === 'question') return questionsBlock(res, lessonId, form, status);
    if (!res.locals.lesson) await withLesson(req, res, lessonId);
    return renderLessonPage(deps, req, res, { assessmentForm: form }, status);
  }

  /** After a change to the questions: the block for htmx, else 303 to the lesson page at `anchor`. */
  async function questionsDone(req: Request, res: Response, lessonId: string, anchor: string) {
    if (isHtmx(req)) return questionsBlock(res, lessonId);
    res.redirect(303, back(lessonId, anchor));
  }

  const lessonOf = (res: Response) => res.locals.lesson as { id: string; title: string };
  const assignmentOf = (res: Response) => res.locals.assignment as LoadedAssignment;
  const quizOf = (res: Response) => res.locals.quiz as LoadedQuiz;
  const questionOf = (res: Response) => res.locals.question as LoadedQuestion;

  /** What the quiz form shows again: the typed strings, and the box as it was ticked. */
  const typedQuiz = (body: unknown) => {
    const required = (body as Record<string, unknown> | undefined)?.required;
    const values = Array.isArray(required) ? required : [required];
    return { ...typedValues(body, QUIZ_FIELDS), required: required === undefined || values.includes('true') };
  };

  // Assignments

  router.post('/lessons/:lessonId/assignment', async (req, res) => {
    const lesson = lessonOf(res);
    const values = typedValues(req.body, ASSIGNMENT_FIELDS);
    const parsed = assignmentInput(timeZoneOf(res)).safeParse(req.body);
    if (!parsed.success) return refuse(req, res, lesson.id, { form: 'assignment', errors: fieldErrors(parsed.error), values });
    const result = await createAssignment(db, a(req, res), lesson.id, parsed.data);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return refuse(req, res, lesson.id, { form: 'assignment', message: result.message, messageValues: result.values, errors: {}, values });
    }
    setFlash(req, 'success', msg('Assignment added. Students see it at the end of the lesson.'));
    res.redirect(303, back(lesson.id));
  });

  router.post('/assignments/:assignmentId', async (req, res) => {
    const assignment = assignmentOf(res);
    const values = typedValues(req.body, ASSIGNMENT_FIELDS);
    const parsed = assignmentInput(timeZoneOf(res)).safeParse(req.body);
    if (!parsed.success) return refuse(req, res, assignment.lessonId, { form: 'assignment', errors: fieldErrors(parsed.error), values });
    const result = await updateAssignment(db, a(req, res), assignment.id, parsed.data);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return refuse(req, res, assignment.lessonId, { form: 'assignment', errors: result.errors ?? { _form: result.message }, messageValues: result.values, values });
    }
    setFlash(req, 'success', msg('Assignment saved.'));
    res.redirect(303, back(assignment.lessonId));
  });

  router.get('/assignments/:assignmentId/delete', async (_req, res) => {
    const assignment = assignmentOf(res);
    const { n } = await db
      .selectFrom('assignmentSubmission')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('assignmentId', '=', assignment.id)
      .executeTakeFirstOrThrow();
    const count = Number(n);
    render(res, 'teach/confirm-delete', {
      title: translatorOf(res).t('Delete the assignment "{title}"?', { title: assignment.title }),
      what: 'assignment',
      name: assignment.title,
      consequence:
        count === 0
          ? msg('No student has handed it in yet.')
          : msg("{count, plural, one {Its # submission, with the students' files, grades and feedback, will be deleted too.} other {Its # submissions, with the students' files, grades and feedback, will be deleted too.}}"),
      consequenceValues: { count },
      action: `/teach/assignments/${assignment.id}/delete`,
      back: back(assignment.lessonId),
    });
  });

  router.post('/assignments/:assignmentId/delete', async (req, res) => {
    const assignment = assignmentOf(res);
    if (!(await deleteAssignment(files, a(req, res), assignment.id))) throw notFound();
    setFlash(req, 'success', msg('Assignment "{title}" deleted.'), { title: assignment.title });
    res.redirect(303, back(assignment.lessonId));
  });

  /**
   * The assignment's file, received like a lesson attachment (multer to a temp file, limits set,
   * judged by content; the CSRF token in the query string), stored under a new `assignments/` key;
   * images re-encoded to WebP. A refused file comes back on the lesson page with its reason.
   */
  router.post('/assignments/:assignmentId/file', async (req, res) => {
    const assignment = assignmentOf(res);
    const refuseFile = (message: string, status = 422, messageValues?: MessageValues) => refuse(req, res, assignment.lessonId, { form: 'file', errors: { file: message }, messageValues, values: {} }, status);
    let upload;
    try {
      upload = await receiveUpload(req, res, { field: 'file', tempDir, maxBytes: Math.min(ATTACHMENT_MAX_BYTES, config.uploadMaxBytes), accept: ATTACHMENT_TYPES });
    } catch (error) {
      if (error instanceof HttpError && (error.status === 413 || error.status === 422)) return refuseFile(error.message, error.status, error.values);
      throw error;
    }
    if (!upload) return refuseFile(msg('Choose a file: PDF, image, text, ZIP or office document.'));
    const isImage = IMAGE_TYPES.includes(upload.type);
    const file = attachmentFile(isImage ? 'webp' : upload.type, upload.originalName);
    if (!file) {
      await discardUpload(upload);
      return refuseFile(msg('That file is not one we accept: office files must be named .doc, .xls or .ppt (or their newer x forms).'));
    }
    const key = newKey('assignments', file.extension);
    try {
      if (isImage) {
        const image = await toWebp(upload.path, ATTACHMENT_IMAGE_MAX_WIDTH);
        await storage.put(key, image.buffer, { contentType: file.contentType, contentLength: image.buffer.length });
      } else {
        await storage.putFile(key, upload.path, { contentType: file.contentType });
      }
    } finally {
      await discardUpload(upload);
    }
    if (!(await setAssignmentFile(files, a(req, res), assignment.id, { key, fileName: file.fileName }))) throw notFound();
    setFlash(req, 'success', msg('"{name}" is the assignment\'s file now.'), { name: file.fileName });
    res.redirect(303, back(assignment.lessonId, 'assignment-file'));
  });

  router.post('/assignments/:assignmentId/file/delete', async (req, res) => {
    const assignment = assignmentOf(res);
    if (!(await removeAssignmentFile(files, a(req, res), assignment.id))) throw notFound();
    setFlash(req, 'success', msg('File removed from the assignment.'));
    res.redirect(303, back(assignment.lessonId, 'assignment-file'));
  });

  // Quizzes

  router.post('/lessons/:lessonId/quiz', async (req, res) => {
    const lesson = lessonOf(res);
    const values = typedQuiz(req.body);
    const parsed = quizInput.safeParse(req.body);
    if (!parsed.success) return refuse(req, res, lesson.id, { form: 'quiz', errors: fieldErrors(parsed.error), values });
    const result = await createQuiz(db, a(req, res), lesson.id, parsed.data);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return refuse(req, res, lesson.id, { form: 'quiz', message: result.message, messageValues: result.values, errors: {}, values });
    }
    setFlash(req, 'success', msg('Quiz added: now add its questions.'));
    res.redirect(303, back(lesson.id, 'new-question'));
  });

  router.post('/quizzes/:quizId', async (req, res) => {
    const quiz = quizOf(res);
    const values = typedQuiz(req.body);
    const parsed = quizInput.safeParse(req.body);
    if (!parsed.success) return refuse(req, res, quiz.lessonId, { form: 'quiz', errors: fieldErrors(parsed.error), values });
    if (!(await updateQuiz(db, a(req, res), quiz.id, parsed.data))) throw notFound();
    setFlash(req, 'success', msg('Quiz saved.'));
    res.redirect(303, back(quiz.lessonId));
  });

  router.get('/quizzes/:quizId/delete', async (_req, res) => {
    const quiz = quizOf(res);
    const [{ questions }, { attempts }] = await Promise.all([
      db.selectFrom('quizQuestion').select((eb) => eb.fn.countAll<string>().as('questions')).where('quizId', '=', quiz.id).executeTakeFirstOrThrow(),
      db.selectFrom('quizSubmission').select((eb) => eb.fn.countAll<string>().as('attempts')).where('quizId', '=', quiz.id).executeTakeFirstOrThrow(),
    ]);
    const q = Number(questions);
    const s = Number(attempts);
    const tr = translatorOf(res);
    const name = quiz.title ?? tr.t('the quiz');
    render(res, 'teach/confirm-delete', {
      title: tr.t('Delete the quiz "{title}"?', { title: name }),
      what: 'quiz',
      name,
      consequence:
        s === 0
          ? msg('{questions, plural, one {Its # question will be deleted too; no student has taken it yet.} other {Its # questions will be deleted too; no student has taken it yet.}}')
          : msg(
              "{questions, plural, one {Its # question} other {Its # questions}} and {results, plural, one {# student's result} other {# students' results}} will be deleted too (points already earned stay earned).",
            ),
      consequenceValues: { questions: q, results: s },
      action: `/teach/quizzes/${quiz.id}/delete`,
      back: back(quiz.lessonId),
    });
  });

  router.post('/quizzes/:quizId/delete', async (req, res) => {
    const quiz = quizOf(res);
    if (!(await deleteQuiz(db, a(req, res), quiz.id))) throw notFound();
    if (quiz.title) setFlash(req, 'success', msg('Quiz "{title}" deleted.'), { title: quiz.title });
    else setFlash(req, 'success', msg('Quiz deleted.'));
    res.redirect(303, back(quiz.lessonId));
  });

  // Questions

  router.post('/quizzes/:quizId/questions', async (req, res) => {
    const quiz = quizOf(res);
    const parsed = questionInput.safeParse(req.body);
    if (!parsed.success) return refuse(req, res, quiz.lessonId, { form: 'question', errors: fieldErrors(parsed.error), values: typedQuestion(req.body) });
    const result = await addQuestion(db, a(req, res), quiz.id, parsed.data);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return refuse(req, res, quiz.lessonId, { form: 'question', message: result.message, messageValues: result.values, errors: {}, values: typedQuestion(req.body) });
    }
    if (!isHtmx(req)) setFlash(req, 'success', msg('Question added.'));
    return questionsDone(req, res, quiz.lessonId, 'new-question');
  });

  const questionPage = (res: Response, values: ReturnType<typeof typedQuestion>, errors: Record<string, string> = {}, status = 200) => {
    const question = questionOf(res);
    render(res, 'teach/question', { title: translatorOf(res).t('Question {position}', { position: question.position }), question, values, errors }, status);
  };

  router.get('/questions/:questionId', (_req, res) => {
    const q = questionOf(res);
    questionPage(res, { question: q.question, options: optionInputs(q.options), correctAnswer: String(q.correctAnswer) });
  });

  router.post('/questions/:questionId', async (req, res) => {
    const question = questionOf(res);
    const parsed = questionInput.safeParse(req.body);
    if (!parsed.success) return questionPage(res, typedQuestion(req.body), fieldErrors(parsed.error), 422);
    if (!(await updateQuestion(db, a(req, res), question.id, parsed.data))) throw notFound();
    setFlash(req, 'success', msg('Question {position} saved.'), { position: question.position });
    res.redirect(303, back(question.lessonId, `question-${question.id}`));
  });

  router.post('/questions/:questionId/delete', async (req, res) => {
    const question = questionOf(res);
    if (!(await deleteQuestion(db, a(req, res), question.id, question.quizId))) throw notFound();
    if (!isHtmx(req)) setFlash(req, 'success', msg('Question {position} deleted.'), { position: question.position });
    return questionsDone(req, res, question.lessonId, 'questions');
  });

  router.post('/questions/:questionId/move', async (req, res) => {
    const question = questionOf(res);
    const parsed = moveInput.safeParse(req.body);
    if (!parsed.success) throw new HttpError(422, msg('Choose up or down.'));
    await moveQuestion(db, a(req, res), question.id, question.quizId, parsed.data.direction);
    return questionsDone(req, res, question.lessonId, `question-${question.id}`);
  });

  return router;
}
