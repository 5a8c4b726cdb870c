import { sql, type RawBuilder } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedLarge } from '../../seeds/large.ts';
import type { Database } from '../../src/db/database.ts';
import { courseAnalyticsQueries } from '../../src/features/analytics/course-queries.ts';
import { RANGES, resolveRange } from '../../src/features/analytics/range.ts';
import { useTestDatabase } from '../setup/database.ts';

/**
 * The course analytics page's SQL stays index-driven at size: on the large seed (a twentieth of
 * it), with fresh statistics, EXPLAIN of exactly the queries the page runs (course-queries.ts) for
 * one seeded course shows no sequential scan of a big table, for every date range.
 */

const BIG_TABLES = [
  'enrollment',
  'lesson_progress',
  'student_activity',
  'payment_transaction',
  'lesson_watch_analytics',
  'course_rating',
  'quiz_submission',
  'assignment_submission',
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

async function planOf(db: Database, query: RawBuilder<unknown>): Promise<PlanNode> {
  const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>`explain (format json) ${query}`.execute(db);
  // CamelCasePlugin leaves a key with a space as it is.
  const row = rows[0] as Record<string, unknown>;
  const plan = (row['QUERY PLAN'] ?? Object.values(row)[0]) as [{ Plan: PlanNode }];
  return plan[0].Plan;
}

/**
 * Rows the page reads that the large seed may not (yet) make, added set-based for every course so
 * the statistics stay those of a real spread: a quiz, an assignment, their submissions, watching,
 * activity and partial refunds. Each only when the seed left the table empty.
 */
async function fillGaps(db: Database) {
  const empty = async (table: string) => !(await sql`select 1 from ${sql.table(table)} limit 1`.execute(db)).rows.length;
  if (await empty('quiz')) {
    await sql`insert into quiz (lesson_id, title, points, required)
      select l.id, 'Check', 10, false from lesson l join chapter ch on ch.id = l.chapter_id where ch.position = 1 and l.position = 5`.execute(db);
  }
  if (await empty('assignment')) {
    await sql`insert into assignment (lesson_id, title, description, points)
      select l.id, 'Project', 'A project.', 100 from lesson l join chapter ch on ch.id = l.chapter_id where ch.position = 2 and l.position = 3`.execute(db);
  }
  if (await empty('quiz_submission')) {
    await sql`insert into quiz_submission (quiz_id, user_id, answers, correct_answers, total_questions, score, points_earned)
      select q.id, e.user_id, '{}', 1, 3, 33, 3 from enrollment e join chapter ch on ch.course_id = e.course_id join lesson l on l.chapter_id = ch.id join quiz q on q.lesson_id = l.id`.execute(db);
  }
  if (await empty('assignment_submission')) {
    await sql`insert into assignment_submission (assignment_id, user_id, description, status, grade)
      select a.id, e.user_id, 'Mine', 'Graded', 70 from enrollment e join chapter ch on ch.course_id = e.course_id join lesson l on l.chapter_id = ch.id join assignment a on a.lesson_id = l.id`.execute(db);
  }
  if (await empty('lesson_watch_analytics')) {
    await sql`update lesson set video_key = 'v/' || id where position <= 3`.execute(db);
    await sql`insert into lesson_watch_analytics (lesson_id, user_id, watch_duration, total_duration, completion_rate)
      select p.lesson_id, p.user_id, 60, 100, 60 from lesson_progress p join lesson l on l.id = p.lesson_id where l.video_key is not null`.execute(db);
  }
  if (await empty('student_activity')) {
    await sql`insert into student_activity (enrollment_id, type, created_at)
      select e.id, 'CompletedLesson', now() - (g * 7 + abs(hashtext(e.id::text)) % 7) * interval '1 day'
      from enrollment e, generate_series(0, 12) g`.execute(db);
  }
  if (!(await sql`select 1 from payment_transaction where refunded limit 1`.execute(db)).rows.length) {
    await sql`update payment_transaction set refunded = true, refund_amount = amount / 2, refunded_at = created_at + interval '3 days'
      where abs(hashtext(id::text)) % 40 = 0`.execute(db);
  }
}

describe('course analytics: EXPLAIN on the large seed', () => {
  const t = useTestDatabase();
  let courseId: string;

  beforeAll(async () => {
    await seedLarge(t.db, { env: 'test', scale: 0.05 });
    await fillGaps(t.db);
    await sql`analyze`.execute(t.db);
    // A paid course with the most enrollments: every query has rows to read.
    const course = await sql<{ id: string }>`
      select c.id from course c join enrollment e on e.course_id = c.id
      where c.price > 0 group by c.id order by count(*) desc, c.id limit 1`.execute(t.db);
    courseId = course.rows[0]!.id;
  }, 60_000);

  it.each(RANGES)('no sequential scan of a big table in any per-course query (range %s)', async (key) => {
    const queries = courseAnalyticsQueries({ courseId, range: resolveRange(key, 'Europe/London') });
    const scans: string[] = [];
    for (const [name, query] of Object.entries(queries)) {
      const nodes = nodesOf(await planOf(t.db, query));
      for (const node of nodes) {
        if (node['Node Type'] === 'Seq Scan' && BIG_TABLES.includes(node['Relation Name'] ?? '')) scans.push(`${name}: Seq Scan on ${node['Relation Name']}`);
      }
    }
    expect(scans).toEqual([]);
  });
});
