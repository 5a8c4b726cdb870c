import { sql, type Kysely } from 'kysely';
import type { DB, Notificationtype as NotificationType } from '../../db/types.ts';
import { translatorFor, type MessageValues } from '../../i18n/translator.ts';
import { DEFAULTS } from '../system/settings.ts';
import { markMailQueued } from './outbox.ts';

/**
 * The one way a feature tells a person something: a row in their inbox (/notifications) and, for
 * the kinds they chose (or the default in system_config `notifications.mailDefaults`), a mail.
 * The mail is written to `mail_outbox` in the caller's transaction and sent after commit
 * (outbox.ts), so work that rolls back mails no one and a crash never mails twice.
 * Knows nothing of HTTP: links are paths (`/blog/my-post`); the outbox makes them absolute.
 *
 * Language: a notice's title, message, mailSubject and mailText are English catalogue messages
 * (`msg('{name} commented on “{title}”.')`) with their `values`; notify() writes them in each
 * recipient's language (user.language), since the notification row has no column for a message's
 * values and the inbox and the mail show the row's text as it is. People's own words (a post's
 * title, a reply's preview) go in as values and are never translated.
 */

/** A kind of notice a person can choose mail for: each NotificationType, and urgent announcements (not inbox rows). */
export type { NotificationType };
export type MailTopic = NotificationType | 'UrgentAnnouncement';

export const MAIL_TOPICS = Object.keys(DEFAULTS['notifications.mailDefaults']) as MailTopic[];

export interface Notice {
  userId: string;
  type: NotificationType;
  /** An English catalogue message (msg('…')); written in the recipient's language. */
  title: string;
  /** An English catalogue message (msg('…')); written in the recipient's language. */
  message: string;
  /** Values for the placeholders of title, message, mailSubject and mailText. */
  values?: MessageValues;
  /** A path in the app, opened from the inbox (which marks the notice read). */
  link?: string | null;
  /**
   * 'preference' (the default): mailed when the person wants this type by mail. 'always': mailed
   * whatever they chose (a receipt for money, say). 'never': inbox only.
   */
  mail?: 'preference' | 'always' | 'never';
  /** The mail's subject, when it should differ from the title. */
  mailSubject?: string;
  /** More for the mail than the inbox shows (a teacher's whole feedback, say): paragraphs after the message. */
  mailText?: string;
}

/** Writes the notices (one insert) and queues the mails their people want (one query, one insert). */
export async function notify(trx: Kysely<DB>, notices: Notice | readonly Notice[]): Promise<void> {
  const given: readonly Notice[] = Array.isArray(notices) ? notices : [notices as Notice];
  if (given.length === 0) return;
  const list = await inRecipientsLanguage(trx, given);
  const rows = await trx
    .insertInto('notification')
    .values(list.map((n) => ({ userId: n.userId, type: n.type, title: n.title, message: n.message, link: n.link ?? null })))
    .returning('id')
    .execute();
  // PostgreSQL returns a multi-row insert's rows in the order of its VALUES.
  const written = list.map((notice, i) => ({ notice, id: rows[i]!.id })).filter(({ notice }) => notice.mail !== 'never');
  if (written.length === 0) return;

  const byPreference = written.filter(({ notice }) => notice.mail !== 'always');
  const wanted = new Set(
    byPreference.length === 0
      ? []
      : (await usersWantingMail(trx, byPreference.map(({ notice }) => ({ userId: notice.userId, topic: notice.type })))).map(
          (r) => `${r.userId}:${r.topic}`,
        ),
  );
  const mails = written.filter(({ notice }) => notice.mail === 'always' || wanted.has(`${notice.userId}:${notice.type}`));
  if (mails.length === 0) return;
  await trx
    .insertInto('mailOutbox')
    .values(mails.map(({ notice, id }) => ({ userId: notice.userId, notificationId: id, subject: notice.mailSubject ?? null, text: notice.mailText ?? null })))
    .execute();
  markMailQueued();
}

/** The notices with their texts in each recipient's language (one query for the languages). */
async function inRecipientsLanguage(trx: Kysely<DB>, list: readonly Notice[]): Promise<Notice[]> {
  const ids = [...new Set(list.map((n) => n.userId))];
  const languages = new Map(
    (await trx.selectFrom('user').select(['id', 'language']).where('id', 'in', ids).execute()).map((u) => [u.id, u.language] as const),
  );
  return list.map((n) => {
    const tr = translatorFor(languages.get(n.userId));
    // A text without values that still holds braces was written whole by its caller: kept as it is.
    const say = (text: string) => (n.values === undefined && /[{}]/.test(text) ? text : tr.t(text, n.values));
    return {
      ...n,
      title: say(n.title),
      message: say(n.message),
      ...(n.mailSubject !== undefined ? { mailSubject: say(n.mailSubject) } : {}),
      ...(n.mailText !== undefined ? { mailText: say(n.mailText) } : {}),
    };
  });
}

/**
 * Which of these (person, topic) pairs want mail: the person's choice, else the admin's default in
 * system_config, else the built-in default. One query however many pairs.
 */
export async function usersWantingMail(db: Kysely<DB>, pairs: ReadonlyArray<{ userId: string; topic: MailTopic }>): Promise<Array<{ userId: string; topic: MailTopic }>> {
  if (pairs.length === 0) return [];
  const { rows } = await sql<{ userId: string; topic: MailTopic }>`
    select x.user_id as "userId", x.topic
    from unnest(${sql.val(pairs.map((p) => p.userId))}::uuid[], ${sql.val(pairs.map((p) => p.topic))}::text[]) as x(user_id, topic)
    left join notification_preference p on p.user_id = x.user_id and p.topic = x.topic
    where coalesce(p.email, ${mailDefaultSql(sql.ref('x.topic'))})`.execute(db.withoutPlugins());
  return rows;
}

/** The default for a topic (an SQL text expression): system_config's value when an admin set one, else the built-in one. */
export function mailDefaultSql(topic: ReturnType<typeof sql.ref>) {
  return sql<boolean>`coalesce(
      (select (c.value ->> ${topic})::boolean from system_config c where c.key = 'notifications.mailDefaults' and jsonb_typeof(c.value -> ${topic}) = 'boolean'),
      (${JSON.stringify(DEFAULTS['notifications.mailDefaults'])}::jsonb ->> ${topic})::boolean,
      false)`;
}
