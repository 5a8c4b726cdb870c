/**
 * Video for slow connections (issue 20). Additions to the spec, which has one `lesson.videoKey` (the
 * file as uploaded) and nothing about what is made from it:
 *
 * - The job queue: pg-boss's own schema (`pgboss`), installed here rather than by pg-boss at start,
 *   so that an upload can enqueue its transcode in the same transaction that points the lesson at
 *   the new file (src/queue/boss.ts), on a database no worker has started yet (tests, a web-only
 *   instance). pg-boss checks the version it finds at start and migrates from it itself.
 *   The one queue, `video-transcode`, is `stately`: at most one queued and one running job per
 *   video (the singleton key is the video's key), so a double upload or a double "Retry" queues once.
 * - video_transcode: one row per uploaded video file (keyed by the stored key, not the lesson, so
 *   replacing a lesson's video starts a new row and never mixes the two files' renditions). Its
 *   state machine (Queued -> Processing -> Ready | Failed, Failed -> Queued on retry) is owned by
 *   src/features/video/state.ts. `failure_reason` is what the teacher reads; `attempts` counts
 *   runs, crashes included (a run that never finished is seen by the next one).
 * - video_rendition: what was made from it, with the sizes the player shows before a download
 *   starts ("Small · 38 MB"). The files live under keys derived from the original's by name
 *   (storage/variants.ts: `<uuid>-360p.mp4`, `-720p.mp4`, `-audio.m4a`, `-poster.webp`), so they are
 *   deleted, collected and authorised with the original, like a course image's 320 px copy.
 * - lesson_caption: WebVTT captions per lesson and language, stored as validated, sanitised text
 *   (a few KB; served by the app under the lesson's access rules), with the transcript (the cues'
 *   text) kept beside it for the lesson page.
 * - user.data_saver: the student's "data saver" choice; null while they have not chosen, when the
 *   browser's `Save-Data` header decides per request.
 */
import { type Kysely, sql } from 'kysely';
import PgBoss from 'pg-boss';

export const QUEUE_SCHEMA = 'pgboss';

/**
 * pg-boss's plan is wrapped in its own BEGIN ... COMMIT; here it runs inside the migration's
 * transaction instead (a COMMIT in the middle would commit half a migration). Its advisory lock
 * and SET LOCALs work the same inside ours.
 */
function withoutOwnTransaction(plan: string): string {
  const body = plan.trim();
  if (!body.startsWith('BEGIN;') || !body.endsWith('COMMIT;')) throw new Error('pg-boss construction plan changed shape: check the migration');
  return body.slice('BEGIN;'.length, -'COMMIT;'.length);
}

export async function up(db: Kysely<any>): Promise<void> {
  const exists = await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${QUEUE_SCHEMA}`.execute(db);
  if (exists.rows[0]!.n === 0) await sql.raw(withoutOwnTransaction(PgBoss.getConstructionPlans(QUEUE_SCHEMA))).execute(db);
  await sql`select pgboss.create_queue('video-transcode', ${JSON.stringify({ policy: 'stately', retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 3600, retentionMinutes: 7 * 24 * 60 })}::json)`.execute(db);

  await sql`
    create table video_transcode (
      video_key text primary key,
      lesson_id uuid not null references lesson(id) on delete cascade,
      status text not null default 'Queued' check (status in ('Queued', 'Processing', 'Ready', 'Failed')),
      failure_reason text check (char_length(failure_reason) <= 500),
      attempts integer not null default 0 check (attempts >= 0),
      source_bytes bigint check (source_bytes >= 0),
      duration_seconds numeric(10, 2) check (duration_seconds >= 0),
      source_width integer check (source_width > 0),
      source_height integer check (source_height > 0),
      queued_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      check ((status = 'Failed') = (failure_reason is not null))
    )`.execute(db);
  await sql`create index video_transcode_lesson_id_idx on video_transcode (lesson_id)`.execute(db);
  await sql`
    create table video_rendition (
      video_key text not null references video_transcode(video_key) on delete cascade,
      kind text not null check (kind in ('small', 'hd', 'audio', 'poster')),
      bytes bigint not null check (bytes >= 0),
      width integer check (width > 0),
      height integer check (height > 0),
      bitrate_kbps integer check (bitrate_kbps > 0),
      codec text not null check (char_length(codec) <= 40),
      primary key (video_key, kind)
    )`.execute(db);
  await sql`
    create table lesson_caption (
      id uuid primary key default gen_random_uuid(),
      lesson_id uuid not null references lesson(id) on delete cascade,
      language text not null check (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
      label text not null check (char_length(label) between 1 and 60),
      vtt text not null check (octet_length(vtt) <= 1048576),
      transcript text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (lesson_id, language)
    )`.execute(db);
  await sql`create trigger lesson_caption_set_updated_at before update on lesson_caption for each row execute function set_updated_at()`.execute(db);
  await sql`alter table "user" add column data_saver boolean`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table "user" drop column data_saver`.execute(db);
  await sql`drop table lesson_caption`.execute(db);
  await sql`drop table video_rendition`.execute(db);
  await sql`drop table video_transcode`.execute(db);
  await sql.raw(`drop schema ${QUEUE_SCHEMA} cascade`).execute(db);
}
