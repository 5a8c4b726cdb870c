import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { LARGE_EMAIL_DOMAIN, largeCounts, seedLarge } from '../../seeds/large.ts';
import { useTestDatabase } from '../setup/database.ts';

const count = async (db: Parameters<typeof seedLarge>[0], query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(db)).rows[0]!.n;

describe('the large data set (npm run seed:large), at a small scale', () => {
  const t = useTestDatabase();
  let made: Awaited<ReturnType<typeof seedLarge>>;
  beforeAll(async () => {
    made = await seedLarge(t.db, { env: 'development', scale: 0.01 });
  });

  it('adds students, published courses with chapters and lessons, enrollments, progress and payments that hang together', async () => {
    const expected = largeCounts(0.01);
    expect(made).toMatchObject({ students: expected.students, courses: expected.courses, lessons: expected.courses * 25, enrollments: expected.students * 4 });

    expect(await count(t.db, sql`select count(*)::int as n from "user" where role = 'student' and email like ${'%@' + LARGE_EMAIL_DOMAIN}`)).toBe(expected.students);
    expect(await count(t.db, sql`select count(*)::int as n from course where status = 'Published'`)).toBe(expected.courses);
    expect(await count(t.db, sql`select count(*)::int as n from chapter where status = 'Published'`)).toBe(expected.courses * 5);
    expect(await count(t.db, sql`select count(*)::int as n from lesson where status = 'Published'`)).toBe(expected.courses * 25);
    expect(await count(t.db, sql`select count(*)::int as n from enrollment where status = 'Active'`)).toBe(expected.students * 4);
    // 3 to 10 lessons per enrollment: 6.5 on average.
    const progress = await count(t.db, sql`select count(*)::int as n from lesson_progress where completed`);
    expect(progress).toBe(made.lessonProgress);
    expect(progress).toBeGreaterThanOrEqual(expected.students * 4 * 6);
    // Progress only in lessons of a course the student is enrolled in.
    expect(
      await count(t.db, sql`select count(*)::int as n from lesson_progress p join lesson l on l.id = p.lesson_id join chapter ch on ch.id = l.chapter_id
        left join enrollment e on e.user_id = p.user_id and e.course_id = ch.course_id where e.id is null`),
    ).toBe(0);
    // One Completed payment per enrollment in a paid course, of the enrollment's amount.
    expect(await count(t.db, sql`select count(*)::int as n from payment_transaction where status = 'Completed'`)).toBe(made.payments);
    expect(await count(t.db, sql`select count(*)::int as n from enrollment where amount > 0`)).toBe(made.payments);
    expect(await count(t.db, sql`select count(*)::int as n from payment_transaction p join enrollment e on e.id = p.enrollment_id where p.amount <> e.amount`)).toBe(0);
    // The catalog finds the courses, and their words are in the spelling vocabulary (the course triggers ran).
    expect(await count(t.db, sql`select count(*)::int as n from course where search @@ to_tsquery('english', 'python:*')`)).toBeGreaterThan(0);
    expect(await count(t.db, sql`select count(*)::int as n from search_word where word = 'python'`)).toBe(1);
  });

  it('refuses a second run and production, saying why', async () => {
    const users = await count(t.db, sql`select count(*)::int as n from "user"`);
    await expect(seedLarge(t.db, { env: 'development', scale: 0.01 })).rejects.toThrow(/already in this database/);
    expect(await count(t.db, sql`select count(*)::int as n from "user"`)).toBe(users);
    await expect(seedLarge(t.db, { env: 'production', scale: 0.01 })).rejects.toThrow(/refuses to run in production/);
  });
});
