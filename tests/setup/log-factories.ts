import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { expectWithinPageBudget } from './budget.ts';
import { countQueries } from './queries.ts';
import type { Agent } from './forms.ts';

/** Test helpers for the admin log pages (/admin/activity, logins, errors, search). */

/** A GET and how long it took, in ms. */
export async function timedGet(agent: Agent, path: string) {
  const started = Date.now();
  const res = await agent.get(path).expect(200);
  return { res, ms: Date.now() - started };
}

/** The lines of a CSV body (no trailing empty line). */
export const csvLines = (text: string): string[] => text.replace(/\n$/, '').split('\n');

/**
 * The budget of an admin log page with a big table behind it: the query count with the rows there
 * already (`few`) must stay the same, the page stays within 14 KB gzipped and answers in < 1 s.
 * Returns the figures for the report.
 */
export async function expectBudget(db: Database, agent: Agent, path: string, few: number) {
  // Once to warm the plan cache and the app's views, then measured.
  await agent.get(path).expect(200);
  const counted = await countQueries(db, () => agent.get(path).expect(200));
  expect(counted.count, counted.queries.join('\n')).toBe(few);
  const { res, ms } = await timedGet(agent, path);
  const bytes = expectWithinPageBudget(res);
  expect(ms).toBeLessThan(1000);
  console.info(`[budget] ${path}: ${ms} ms, ${bytes} bytes gzipped, ${counted.count} queries`);
  return { res, ms, bytes };
}

/** Fills a table with `n` rows in one statement (insert ... select generate_series). */
export async function seedActivity(db: Database, n: number, userId: string): Promise<void> {
  await sql`
    insert into activity_log (user_id, action, entity_type, entity_id, metadata, ip_address, user_agent, created_at)
    select ${userId}, (array['course_updated', 'lesson_added', 'blog_approved', 'enrollment_created'])[1 + i % 4],
      (array['course', 'lesson', 'blog', 'enrollment'])[1 + i % 4], gen_random_uuid()::text,
      jsonb_build_object('n', i, 'note', repeat('x', 40)), '10.0.0.' || (i % 250), 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
      now() - make_interval(mins => i)
    from generate_series(1, ${n}) as i`.execute(db);
}

export async function seedLogins(db: Database, n: number, userId: string): Promise<void> {
  await sql`
    insert into login_history (user_id, ip_address, user_agent, success, failure_reason, created_at)
    select ${userId}, '10.1.' || (i % 200) || '.' || (i % 250), 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36',
      i % 3 <> 0, case when i % 3 = 0 then 'wrong_password' end, now() - make_interval(mins => i)
    from generate_series(1, ${n}) as i`.execute(db);
}

/** `n` error rows: `kinds` different errors, each repeated in bursts (as error-log.ts writes them). */
export async function seedErrors(db: Database, n: number, kinds: number): Promise<void> {
  await sql`
    insert into error_log (error_type, status_code, message, stack, endpoint, method, occurrences, created_at, last_seen_at)
    select 'SeededError' || (i % 7), 500, 'Seeded failure number ' || (i % ${kinds}) || ' ' || repeat('m', 60), 'Error: seeded' || chr(10) || '    at somewhere (file.ts:1:1)',
      '/seeded/' || (i % ${kinds}), 'GET', 1 + i % 5, now() - make_interval(mins => i), now() - make_interval(mins => i) + interval '30 seconds'
    from generate_series(1, ${n}) as i`.execute(db);
}

export async function seedSearches(db: Database, n: number, distinct: number): Promise<void> {
  await sql`
    insert into search_analytics (query, results_count, clicked_result, created_at)
    select 'seeded query ' || (i % ${distinct}), case when i % 4 = 0 then 0 else i % 13 end,
      case when i % 5 = 0 then gen_random_uuid()::text end, now() - make_interval(mins => i % (60 * 24 * 6))
    from generate_series(1, ${n}) as i`.execute(db);
}
