/**
 * Indexes for looking media up by storage key (GET /media/<key> finds which course, lesson or user
 * a file belongs to before deciding who may see it). Not listed in the spec; added for that filter.
 */
import { type Kysely } from 'kysely';

const INDEXES: Array<[string, string, string]> = [
  ['course_file_key_idx', 'course', 'file_key'],
  ['lesson_video_key_idx', 'lesson', 'video_key'],
  ['lesson_thumbnail_key_idx', 'lesson', 'thumbnail_key'],
  ['user_image_idx', 'user', 'image'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, column] of INDEXES) await db.schema.createIndex(name).on(table).column(column).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await db.schema.dropIndex(name).execute();
}
