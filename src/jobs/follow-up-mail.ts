import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/types.ts';
import { msg } from '../i18n/catalogue.ts';
import { banInForceSql, lessonIsOpen } from '../features/access/course-policy.ts';
import { notify, type Notice } from '../features/notifications/notify.ts';
import { setting } from '../features/system/settings.ts';

/**
 * The follow-up mail (spec: `enrollment.followUpEmailSent`), daily: an Active student who enrolled
 * at least `learning.followUpAfterDays` days ago (3 by default) and has completed no lesson of the
 * course gets ONE reminder per enrollment, "pick up where you left off", linking to the first lesson
 * open to them: the player's rule (learning/routes.ts opens the first open lesson not completed;
 * with nothing completed that is the first open one, by chapter and lesson position), with "open"
 * from the course policy's one rule, lessonIsOpen (released or unlocked early, not a draft, course
 * out, enrollment Active and no ban in force).
 *
 * Exactly once: each batch claims its enrollments and writes their notices in ONE transaction. The
 * claim is an UPDATE of `follow_up_email_sent` over rows taken `for update skip locked`, so two
 * runs at once (two instances, or a run overlapping a slow one) never take the same enrollment,
 * and a row another run flagged meanwhile is re-checked and left out. The notice goes through
 * notify(): an inbox row (type CourseReminder) and, if the person wants that kind of mail (their
 * /account/notifications choice, else system_config `notifications.mailDefaults`), a mail_outbox
 * row, in their language. The outbox row is the record of the send; the deliverer sends each row
 * once after commit (features/notifications/outbox.ts). A crash before commit leaves neither flag
 * nor mail; after commit, the flag and the queued mail both stand. Someone who turned the mail off
 * is still flagged (decided once), with the inbox notice only.
 *
 * Not reminded (and not flagged, so reminded later if it changes): a ban in force, a site ban, an
 * account waiting for deletion, a course with no lesson open to them yet (all scheduled, say).
 *
 * Batches of FOLLOW_UP_BATCH, each its own transaction (a large backlog never makes one giant
 * transaction). Queries: the setting, one listing per FOLLOW_UP_PAGE due enrollments, then per
 * batch begin, the claim, notify's four (languages, notices, mail choices, outbox rows) and commit,
 * whatever the batch's size.
 */

export const FOLLOW_UP_BATCH = 500;
/** Due enrollments listed per listing query (the run lists again after them until none are left). */
export const FOLLOW_UP_PAGE = 20 * FOLLOW_UP_BATCH;

export interface FollowUpResult {
  /** Enrollments flagged by this run (each got its notice; a mail when the person wants it). */
  reminded: number;
}

interface Due {
  id: string;
  /** created_at as PostgreSQL wrote it (microseconds, UTC): the listing's keyset cursor. */
  createdAt: string;
}

interface Claimed {
  id: string;
  userId: string;
  slug: string;
  courseTitle: string;
  lessonId: string;
  lessonTitle: string;
}

// lessonIsOpen takes its viewer as an SQL value; here the viewer is each row's student, so it is
// given that column (Kysely puts a reference where a value would go). `fe` and `fu`, never `e` or
// `u`: those are lessonIsOpen's own aliases inside it.
const openToTheRowsStudent = lessonIsOpen({ userId: sql.ref('fe.user_id') as unknown as string, manages: false });

/** Who is due, over the aliases `fe` (enrollment) and `fu` (its user): every rule but "a lesson is open". */
const dueSql = (days: number) => sql<boolean>`(
  fe.status = 'Active'
  and not fe.follow_up_email_sent
  and fe.created_at <= now() - make_interval(days => ${days})
  and not ${banInForceSql('fe')}
  -- A site ban past its end is lifted by lift-expired-bans within the minute; until then, no mail.
  and fu.banned is not true
  and fu.deletion_requested_at is null
  and not exists (
    select 1 from lesson_progress p
    join lesson pl on pl.id = p.lesson_id
    join chapter pch on pch.id = pl.chapter_id
    where p.user_id = fe.user_id and p.completed and pch.course_id = fe.course_id))`;

/**
 * Runs the daily reminder; `db` is the pool (each batch commits on its own) or a transaction (all in it).
 *
 * Two steps, so a backlog costs one pass over the enrollments rather than one per batch: list the
 * due enrollments (no lock; FOLLOW_UP_PAGE at a time, newest first, the order of the
 * (created_at desc, id) index), then claim them by id in batches, re-checking every rule under the
 * row lock. (A single "claim the next 500" statement made PostgreSQL find the first open lesson of
 * every due enrollment before sorting, and walk all of them again for each batch: 15 s for a
 * backlog of 9,400 among 97,000 enrollments, against 5 s this way; 0.1 s when nothing is due.)
 */
export async function followUpMail(
  db: Database,
  { batchSize = FOLLOW_UP_BATCH, pageSize = FOLLOW_UP_PAGE }: { batchSize?: number; pageSize?: number } = {},
): Promise<FollowUpResult> {
  const days = await setting(db, 'learning.followUpAfterDays');
  let reminded = 0;
  let after: Due | undefined;
  for (;;) {
    const due = await listDue(db, days, pageSize, after);
    for (let i = 0; i < due.length; i += batchSize) {
      const ids = due.slice(i, i + batchSize).map((d) => d.id);
      const claimed = db.isTransaction ? await remindBatch(db, days, ids) : await db.transaction().execute((trx) => remindBatch(trx, days, ids));
      reminded += claimed.length;
    }
    if (due.length < pageSize) return { reminded };
    after = due.at(-1);
  }
}

/** Up to `limit` due enrollments after the cursor, newest first (created_at desc, id). */
async function listDue(db: Kysely<DB>, days: number, limit: number, after: Due | undefined): Promise<Due[]> {
  const { rows } = await sql<Due>`
    select fe.id, to_char(fe.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt"
    from enrollment fe join "user" fu on fu.id = fe.user_id
    where ${dueSql(days)}
      ${after ? sql`and (fe.created_at < ${after.createdAt}::timestamptz or (fe.created_at = ${after.createdAt}::timestamptz and fe.id > ${after.id}::uuid))` : sql``}
    order by fe.created_at desc, fe.id
    limit ${limit}`.execute(db.withoutPlugins());
  return rows;
}

/**
 * Claims these enrollments (those still due, with a lesson open to their student, not taken by
 * another run) and writes their reminders, in the caller's transaction. One statement claims: the
 * rows are locked `for update skip locked` (another run holding one is skipped) and the locking
 * read re-checks the rules on the newest version of each row (one another run flagged and
 * committed meanwhile no longer matches); the update sets the flag.
 */
async function remindBatch(trx: Kysely<DB>, days: number, ids: string[]): Promise<Claimed[]> {
  const { rows } = await sql<Claimed>`
    with picked as (
      select fe.id, fe.user_id, c.slug, c.title as course_title, fl.id as lesson_id, fl.title as lesson_title
      from enrollment fe
      join "user" fu on fu.id = fe.user_id
      join course c on c.id = fe.course_id
      cross join lateral (
        select l.id, l.title
        from chapter ch join lesson l on l.chapter_id = ch.id
        where ch.course_id = c.id and ${openToTheRowsStudent}
        order by ch.position, l.position, l.id
        limit 1
      ) fl
      where fe.id = any(${ids}::uuid[]) and ${dueSql(days)}
      for update of fe skip locked
    )
    update enrollment e set follow_up_email_sent = true
    from picked
    where e.id = picked.id and not e.follow_up_email_sent
    returning picked.id, picked.user_id as "userId", picked.slug, picked.course_title as "courseTitle",
              picked.lesson_id as "lessonId", picked.lesson_title as "lessonTitle"`.execute(trx.withoutPlugins());
  if (rows.length === 0) return rows;

  // Titles are the teacher's words: values, never translated. notify() writes the rest in each
  // person's language and queues the mail only for those who want CourseReminder mail.
  await notify(
    trx,
    rows.map(
      (row): Notice => ({
        userId: row.userId,
        type: 'CourseReminder',
        title: msg('Pick up where you left off'),
        message: msg('You enrolled in “{course}” and have not completed a lesson yet. Your first lesson, “{lesson}”, is waiting for you.'),
        values: { course: row.courseTitle, lesson: row.lessonTitle },
        link: `/learn/${row.slug}/lessons/${row.lessonId}`,
        mailSubject: msg('Pick up where you left off in “{course}”'),
        mailText: msg('We send this reminder once per course.'),
      }),
    ),
  );
  return rows;
}
