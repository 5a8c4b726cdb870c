/**
 * Rich lessons (issue 12): lesson text in Markdown, attachments, and downloads counted once a day.
 * All three are additions to the spec, which gives a lesson only a title and a one-line description:
 *
 * - `lesson.content_markdown` is what the teacher writes and edits; `lesson.content_html` is that
 *   text rendered once at save (markdown-it, then sanitize-html: src/lib/markdown.ts), so a page
 *   view never parses Markdown and never shows HTML that did not pass the allow-list.
 * - `lesson_attachment`: the files a teacher attaches to a lesson (PDFs, images, text, ZIP, office
 *   documents). The spec has no place for more than one file per lesson (announcements keep a key
 *   array, but a lesson's files need a display name, type, size and order each). Deleted with the
 *   lesson; `file_key` is unique (one row per stored file, and the index GET /media looks keys up
 *   by); the (lesson_id, position) index serves the lesson page's list in order.
 * - A student's download writes student_activity `DownloadedFile` once per enrollment, attachment
 *   and UTC day, decided by a unique partial index as lesson views are (migration
 *   lesson-views-once-a-day): a reload or ten parallel clicks add one row, not ten.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('lesson').addColumn('content_markdown', 'text').addColumn('content_html', 'text').execute();

  await db.schema
    .createTable('lesson_attachment')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('lesson_id', 'uuid', (c) => c.notNull())
    .addColumn('file_key', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('lesson_attachment_pkey', ['id'])
    .addUniqueConstraint('lesson_attachment_file_key_key', ['file_key'])
    .addForeignKeyConstraint('lesson_attachment_lesson_id_fkey', ['lesson_id'], 'lesson', ['id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('lesson_attachment_size_bytes_check', sql`size_bytes >= 0`)
    .addCheckConstraint('lesson_attachment_position_check', sql`position >= 1`)
    .addCheckConstraint('lesson_attachment_file_name_check', sql`length(file_name) between 1 and 200`)
    .execute();
  await db.schema.createIndex('lesson_attachment_lesson_id_idx').on('lesson_attachment').columns(['lesson_id', 'position']).execute();

  await sql`
    create unique index student_activity_downloaded_file_daily_key on student_activity
      (enrollment_id, (metadata->>'attachmentId'), ((created_at at time zone 'UTC')::date))
      where type = 'DownloadedFile'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('student_activity_downloaded_file_daily_key').execute();
  await db.schema.dropTable('lesson_attachment').execute();
  await db.schema.alterTable('lesson').dropColumn('content_html').dropColumn('content_markdown').execute();
}
