import { once } from 'node:events';
import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';
import type { Database } from '../../db/database.ts';
import { progressOfStudents } from '../learning/progress.ts';
import { cellText, courseAssessments, gradebookRows, scoresOf, studentsPage, type GradebookStudent } from './gradebook.ts';

/**
 * The gradebook as CSV, every Active student, streamed: students are read in keyset pages (three
 * queries a page: students, their quiz and their assignment submissions) and each page is written
 * as soon as it is ready, waiting for the client when its buffer is full.
 *
 * Formula injection (OWASP "CSV Injection"): a cell starting with = + - @, a tab or a carriage
 * return (or their full-width forms) gets a leading single quote (csv-stringify's escape_formulas)
 * and is quoted, so no spreadsheet runs a student's name as a formula.
 */

export const CSV_CHUNK = 500;

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export const toCsv = (records: Array<Array<string | number>>): string =>
  stringify(records, { escape_formulas: true, quoted_match: FORMULA_START });

export async function writeGradebookCsv(db: Database, course: { id: string; slug: string }, res: Response): Promise<void> {
  const [assessments, progress] = await Promise.all([courseAssessments(db, course.id), progressOfStudents(db, course.id)]);
  res.status(200);
  res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="gradebook-${course.slug}.csv"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  const write = async (text: string) => {
    if (!res.write(text)) await once(res, 'drain');
  };
  await write(toCsv([['student', 'email', ...assessments.map((a) => `${a.title} (${a.kind}, ${a.points} points)`), 'progress %', 'total']]));
  let after: GradebookStudent | undefined;
  for (;;) {
    if (res.destroyed) return;
    const students = await studentsPage(db, course.id, { ...(after ? { after } : {}), limit: CSV_CHUNK });
    if (students.length === 0) break;
    const scores = await scoresOf(db, course.id, students.map((s) => s.userId));
    const rows = gradebookRows(assessments, students, scores, progress);
    await write(toCsv(rows.map((r) => [r.name, r.student.email, ...r.cells.map(cellText), r.progress, `${r.earned} / ${r.possible}`])));
    if (students.length < CSV_CHUNK) break;
    after = students.at(-1);
  }
  res.end();
}
