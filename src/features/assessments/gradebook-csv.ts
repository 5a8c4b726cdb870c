import type { Response } from 'express';
import { streamCsv, toCsv } from '../../http/csv.ts';
import type { Database } from '../../db/database.ts';
import { progressOfStudents } from '../learning/progress.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { cellText, courseAssessments, gradebookRows, scoresOf, studentsPage, type GradebookStudent } from './gradebook.ts';

/**
 * The gradebook as CSV, every Active student, streamed: students are read in keyset pages (three
 * queries a page: students, their quiz and their assignment submissions) and each page is written
 * as soon as it is ready, waiting for the client when its buffer is full.
 * Cells are neutralised against formula injection by toCsv (http/csv.ts).
 */

export const CSV_CHUNK = 500;

export { toCsv };

export async function writeGradebookCsv(db: Database, course: { id: string; slug: string }, res: Response, tr: Translator = translatorFor('en')): Promise<void> {
  const [assessments, progress] = await Promise.all([courseAssessments(db, course.id), progressOfStudents(db, course.id)]);
  async function* batches() {
    let after: GradebookStudent | undefined;
    for (;;) {
      const students = await studentsPage(db, course.id, { ...(after ? { after } : {}), limit: CSV_CHUNK });
      if (students.length === 0) return;
      const scores = await scoresOf(db, course.id, students.map((s) => s.userId));
      const rows = gradebookRows(assessments, students, scores, progress);
      yield rows.map((r) => [r.name, r.student.email, ...r.cells.map((c) => cellText(c, tr)), r.progress, `${r.earned} / ${r.possible}`]);
      if (students.length < CSV_CHUNK) return;
      after = students.at(-1);
    }
  }
  // Headers in the teacher's language; the values stay plain.
  const header = [
    tr.t(msg('student')),
    tr.t(msg('email')),
    ...assessments.map((a) => tr.t('{title} ({kind, select, quiz {quiz} other {assignment}}, {points, plural, one {# point} other {# points}})', { title: a.title, kind: a.kind, points: a.points })),
    tr.t(msg('progress %')),
    tr.t(msg('total')),
  ];
  await streamCsv(res, `gradebook-${course.slug}.csv`, header, batches());
}
