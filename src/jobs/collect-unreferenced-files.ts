import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/types.ts';
import { STORAGE_KINDS, type Storage } from '../storage/index.ts';
import { primaryKeysOf } from '../storage/variants.ts';

/**
 * Deletes stored files that no row references: what a failed delete, a crash between storing and
 * committing, or any future bug leaves behind. Replacements delete the file they replace
 * (features/media/replace-file.ts); this is the net under that, on disk and on S3 alike.
 */

/**
 * A file younger than this is never collected, referenced or not: it may belong to an upload on
 * its way to its row (stored, not yet committed). A stored file's date is its temp file's last
 * write (disk: moved by rename), or when its S3 upload began (multipart: the start), so the time
 * from that date to the commit is at most the conversion and the move into storage, which
 * UPLOAD_TEMP_MAX_AGE_MS (6 hours) bounds. A day leaves a wide margin. (A test holds the two apart.)
 */
export const UNREFERENCED_FILE_GRACE_MS = 24 * 60 * 60 * 1000;

/**
 * Every column that can hold a storage key: the schema's `*_key`, `*_keys` and `image` columns
 * (tests/jobs/collect-unreferenced-files.test.ts fails when a new one is not listed here).
 * Some belong to features not built yet (assignments, submissions, blog covers, announcement
 * attachments): they count all the same, so a file they reference is never taken.
 * Free text (blog content, descriptions) embeds no stored file today; a feature that puts one
 * there must keep its key in a column and list it here. `user.image` may also hold an outside URL
 * (a sign-in provider's picture): such a value is never one of our keys and matches nothing.
 */
export const STORAGE_KEY_COLUMNS = [
  { table: 'user', column: 'image' },
  { table: 'course', column: 'fileKey' },
  { table: 'lesson', column: 'thumbnailKey' },
  { table: 'lesson', column: 'videoKey' },
  { table: 'lessonAttachment', column: 'fileKey' },
  { table: 'enrollment', column: 'certificateKey' },
  { table: 'assignment', column: 'fileKey' },
  { table: 'assignmentSubmission', column: 'fileKey' },
  { table: 'blog', column: 'coverImageKey' },
  // A video's processing rows name its original (also lesson.videoKey while it is the lesson's); the
  // copies are derived from it by name (storage/variants.ts) and kept with it.
  { table: 'videoTranscode', column: 'videoKey' },
  { table: 'videoRendition', column: 'videoKey' },
] as const satisfies ReadonlyArray<{ table: keyof DB; column: string }>;

/** Columns holding several keys (text[]). */
export const STORAGE_KEY_ARRAY_COLUMNS = [{ table: 'announcement', column: 'attachmentKeys' }] as const satisfies ReadonlyArray<{
  table: keyof DB;
  column: string;
}>;

/** Keys looked up per query: one round trip per page, not one per file. */
const PAGE_SIZE = 500;

export interface CollectOptions {
  db: Database;
  storage: Storage;
  graceMs?: number;
  now?: Date;
  pageSize?: number;
}

export interface CollectResult {
  /** Files seen under our key prefixes. */
  listed: number;
  /** Younger than the grace period: left alone. */
  fresh: number;
  referenced: number;
  deleted: number;
  /** Deletes that failed (tried again next run). */
  failed: number;
}

/** The keys among `keys` that some row references: one query for the whole page. */
async function referencedAmong(db: Database, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  // The tables and columns come from the lists above, not from input; Kysely's types cannot
  // follow a column chosen at run time, hence the untyped view of the same database.
  const q = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const page = sql<string[]>`${keys}::text[]`;
  const [first, ...rest] = [
    ...STORAGE_KEY_COLUMNS.map(({ table, column }) =>
      q.selectFrom(table).select(sql.ref<string>(column).as('key')).where(column, '=', sql<string>`any(${page})`),
    ),
    ...STORAGE_KEY_ARRAY_COLUMNS.map(({ table, column }) =>
      q.selectFrom(table).select(sql<string>`unnest(${sql.ref(column)})`.as('key')).where(column, '&&', page),
    ),
  ];
  const rows = await rest.reduce((query, next) => query.union(next), first!).execute();
  // An array column's row brings all its keys; only those asked about matter.
  const asked = new Set(keys);
  return new Set(rows.map((row) => row.key as string).filter((key) => asked.has(key)));
}

/**
 * Lists storage under each key kind (videos/, thumbnails/ ...: never anything else in a shared
 * bucket), skips files inside the grace period, looks the rest up a page at a time, and deletes
 * those no row references. Keys are never reused (newKey makes a fresh one for every file), so a
 * file that is old and unreferenced now cannot become referenced later.
 */
export async function collectUnreferencedFiles({
  db,
  storage,
  graceMs = UNREFERENCED_FILE_GRACE_MS,
  now = new Date(),
  pageSize = PAGE_SIZE,
}: CollectOptions): Promise<CollectResult> {
  const result: CollectResult = { listed: 0, fresh: 0, referenced: 0, deleted: 0, failed: 0 };
  const cutoff = now.getTime() - graceMs;
  let page: string[] = [];

  async function settle(): Promise<void> {
    const keys = page;
    page = [];
    // A derived file (a course image's 320 px copy, a video's renditions: storage/variants.ts) is
    // referenced through its primary key: it stays while the primary's row does, and goes with it.
    const owners = keys.map((key) => {
      const primaries = primaryKeysOf(key);
      return primaries.length > 0 ? primaries : [key];
    });
    const referenced = await referencedAmong(db, [...new Set(owners.flat())]);
    for (const [i, key] of keys.entries()) {
      if (owners[i]!.some((owner) => referenced.has(owner))) {
        result.referenced++;
        continue;
      }
      try {
        await storage.delete(key);
        result.deleted++;
      } catch {
        result.failed++;
      }
    }
  }

  for (const kind of STORAGE_KINDS) {
    for await (const file of storage.list(`${kind}/`)) {
      result.listed++;
      if (file.lastModified.getTime() > cutoff) {
        result.fresh++;
        continue;
      }
      page.push(file.key);
      if (page.length >= pageSize) await settle();
    }
  }
  if (page.length > 0) await settle();
  return result;
}
