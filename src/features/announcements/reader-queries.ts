import { sql, type SqlBool } from 'kysely';
import type { Database } from '../../db/database.ts';
import { deriveExcerpt } from '../blog/writing.ts';
import { isForPersonSql, VISIBLE_STATUS } from './audience.ts';

/**
 * The readers' side of announcements (issue 16): the list at /announcements and one announcement's
 * page, both only what is Published and addressed to the reader (isForPersonSql: the one audience
 * rule). Two queries for the list however long it is, one for a page.
 */

export const ANNOUNCEMENTS_PER_PAGE = 20;

/** The first characters of the stored HTML are enough for an excerpt of ~160: a long body is not sent whole. */
const EXCERPT_SOURCE_CHARS = 2000;

export interface Reader {
  id: string;
  role: string;
}

/** Published and addressed to the reader, over the alias `a`. */
const forReader = (reader: Reader) => sql<SqlBool>`a.status = ${VISIBLE_STATUS} and ${isForPersonSql('a', reader)}`;

const readByReader = (reader: Reader) =>
  sql<boolean>`exists (select 1 from announcement_read_status r where r.announcement_id = a.id and r.user_id = ${reader.id})`;

const writerName = (p: { writerFirstName: string; writerLastName: string | null }) => [p.writerFirstName, p.writerLastName].filter(Boolean).join(' ');

/** One page of the reader's announcements, newest published first, with the total. */
export async function announcementsFor(db: Database, reader: Reader, page: number) {
  const base = db.selectFrom('announcement as a').where(forReader(reader));
  const [rows, total] = await Promise.all([
    base
      .innerJoin('user as u', 'u.id', 'a.createdById')
      // The course's title only where the course is the audience.
      .leftJoin('course as c', (join) => join.onRef('c.id', '=', 'a.targetCourseId').on('a.targetRole', '=', 'CourseStudents'))
      .select([
        'a.id',
        'a.title',
        'a.isUrgent',
        'a.publishedAt',
        sql<string>`left(a.body, ${EXCERPT_SOURCE_CHARS})`.as('bodyStart'),
        'u.firstName as writerFirstName',
        'u.lastName as writerLastName',
        'c.title as courseTitle',
        readByReader(reader).as('read'),
      ])
      .orderBy(sql`a.published_at desc nulls last`)
      .orderBy('a.id')
      .limit(ANNOUNCEMENTS_PER_PAGE)
      .offset((page - 1) * ANNOUNCEMENTS_PER_PAGE)
      .execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: total.n,
    rows: rows.map(({ bodyStart, ...row }) => ({
      ...row,
      writerName: writerName(row),
      // A cut may fall inside a tag: drop the unfinished one before taking the words.
      excerpt: deriveExcerpt(bodyStart.replace(/<[^>]*$/, '')),
    })),
  };
}

export type AnnouncementCard = Awaited<ReturnType<typeof announcementsFor>>['rows'][number];

/** One announcement for its reader (undefined when unknown, not Published or not addressed to them), with whether they had read it before. */
export async function announcementFor(db: Database, reader: Reader, id: string) {
  const row = await db
    .selectFrom('announcement as a')
    .innerJoin('user as u', 'u.id', 'a.createdById')
    .leftJoin('course as c', (join) => join.onRef('c.id', '=', 'a.targetCourseId').on('a.targetRole', '=', 'CourseStudents'))
    .where('a.id', '=', id)
    .where(forReader(reader))
    .select([
      'a.id',
      'a.title',
      'a.body',
      'a.isUrgent',
      'a.publishedAt',
      'a.attachmentKeys',
      'a.attachmentNames',
      'u.firstName as writerFirstName',
      'u.lastName as writerLastName',
      'c.title as courseTitle',
      'c.slug as courseSlug',
      readByReader(reader).as('read'),
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  const { attachmentKeys, attachmentNames, ...rest } = row;
  return {
    ...rest,
    writerName: writerName(row),
    attachments: attachmentKeys.map((key, i) => ({ key, name: attachmentNames[i] || key.slice(key.lastIndexOf('/') + 1) })),
  };
}
