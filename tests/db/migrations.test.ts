import { readdirSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDown, migrateToLatest, migrationFolder } from '../../src/db/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../setup/database.ts';

async function inventory(db: Kysely<any>) {
  const tables = await sql<{ name: string }>`
    select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'kysely_migration%' order by 1`.execute(db);
  const types = await sql<{ name: string }>`
    select t.typname as name from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'public' and t.typtype = 'e' order by 1`.execute(db);
  const functions = await sql<{ name: string }>`
    select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' order by 1`.execute(db);
  return { tables: tables.rows.map((r) => r.name), types: types.rows.map((r) => r.name), functions: functions.rows.map((r) => r.name) };
}

describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await database.drop();
  });

  const files = readdirSync(migrationFolder).filter((f) => f.endsWith('.ts'));

  it('are named <timestamp>-<slug>.ts', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(/^\d{14}-[a-z0-9-]+\.ts$/);
  });

  it('run up, then down one step at a time to nothing, then up again', async () => {
    const { db } = database;
    const applied = await migrateToLatest(db);
    expect(applied).toHaveLength(files.length);
    const full = await inventory(db);
    expect(full.tables.length).toBe(63); // the spec's 43, http_session, rate_limit, stripe_event, job_run, search_word, lesson_attachment, blog_comment_upvote, blog_engagement_credit, notification_preference, mail_outbox, help_request_message, point_ledger, leaderboard_period, leaderboard_award, user_active_day, user_active_week, user_active_month, video_transcode, video_rendition and lesson_caption (pg-boss keeps its own tables in the pgboss schema)
    expect(full.types.length).toBe(23);

    for (let step = 0; step < files.length; step++) {
      const reverted = await migrateDown(db);
      expect(reverted).toHaveLength(1);
    }
    expect(await migrateDown(db)).toEqual([]);
    expect(await inventory(db)).toEqual({ tables: [], types: [], functions: [] });

    await migrateToLatest(db);
    expect(await inventory(db)).toEqual(full);
  });
});
