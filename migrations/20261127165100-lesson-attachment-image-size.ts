/**
 * lesson_attachment.width and .height (an addition to the spec, like the table itself: migration
 * rich-lessons): an attached image is re-encoded at upload (WebP, metadata removed) and its size in
 * pixels kept, so the lesson text can show it with width and height set (nothing jumps as it
 * loads). Both empty for files that are not images.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table lesson_attachment
      add column width integer,
      add column height integer,
      add constraint lesson_attachment_image_size_check check ((width is null and height is null) or (width > 0 and height > 0))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table lesson_attachment drop constraint lesson_attachment_image_size_check, drop column height, drop column width`.execute(db);
}
