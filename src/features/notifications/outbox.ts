import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor } from '../../i18n/translator.ts';
import type { Logger } from '../../logger.ts';
import type { MailMessage, Mailer } from '../../mail/mailer.ts';
import { html } from '../accounts/mails.ts';

/**
 * Sends what `mail_outbox` holds: the mails of notifications (notify.ts) and of urgent
 * announcements. Rows are written in the transaction of the work they tell about; this sends them
 * after commit, from the app right after the request that queued them (`kickIfQueued`) and from the
 * deliver-mail job every minute (whatever a crash or a restart left).
 *
 * At most once: a batch is claimed (sent_at set, attempts + 1) and committed before any of it is
 * sent, with `for update skip locked` so two instances never take the same row. A send that fails
 * is put back for a later try (up to MAX_ATTEMPTS); a crash mid-send loses that one mail rather
 * than sending it twice.
 */

export const MAX_ATTEMPTS = 5;
const BATCH = 50;

// Set when notify() or an announcement queued mail in this process: the app then delivers after
// the response instead of waiting for the job's next tick (one flag, no query on other requests).
let queued = false;
export const markMailQueued = (): void => {
  queued = true;
};

interface Claimed {
  id: string;
  email: string;
  firstName: string;
  language: string | null;
  subject: string | null;
  text: string | null;
  notificationId: string | null;
  title: string | null;
  message: string | null;
  link: string | null;
  announcementId: string | null;
  announcementTitle: string | null;
  announcementBody: string | null;
}

export interface OutboxDeps {
  db: Database;
  mailer: Mailer;
  logger: Logger;
  baseUrl: string;
}

/** Claims and sends up to `limit` queued mails; how many were claimed, sent and put back. */
export async function deliverMail({ db, mailer, logger, baseUrl }: OutboxDeps, limit = BATCH): Promise<{ claimed: number; sent: number; failed: number }> {
  const { rows } = await sql<Claimed>`
    with claimed as (
      update mail_outbox set sent_at = now(), attempts = attempts + 1
      where id in (
        select id from mail_outbox where sent_at is null and attempts < ${MAX_ATTEMPTS}
        order by created_at limit ${limit} for update skip locked)
      returning id, user_id, notification_id, announcement_id, subject, text)
    select c.id, u.email, u.first_name as "firstName", u.language, c.subject, c.text,
           c.notification_id as "notificationId", n.title, n.message, n.link,
           c.announcement_id as "announcementId", a.title as "announcementTitle", a.body_markdown as "announcementBody"
    from claimed c
    join "user" u on u.id = c.user_id
    left join notification n on n.id = c.notification_id
    left join announcement a on a.id = c.announcement_id`.execute(db.withoutPlugins());

  let sent = 0;
  let failed = 0;
  for (const row of rows) {
    try {
      await mailer.send(compose(row, baseUrl));
      sent++;
    } catch (err) {
      failed++;
      logger.error({ err, outboxId: row.id }, 'could not send a queued mail; it will be tried again');
      await db
        .updateTable('mailOutbox')
        .set({ sentAt: null, error: err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500) })
        .where('id', '=', row.id)
        .execute();
    }
  }
  return { claimed: rows.length, sent, failed };
}

/** Sends batches until the outbox is empty (or only failing rows are left). */
export async function deliverAllMail(deps: OutboxDeps): Promise<{ sent: number; failed: number }> {
  const total = { sent: 0, failed: 0 };
  for (;;) {
    const batch = await deliverMail(deps);
    total.sent += batch.sent;
    total.failed += batch.failed;
    if (batch.claimed < BATCH || batch.failed === batch.claimed) return total;
  }
}

/**
 * A queued mail in its recipient's language (user.language): the notification's title and message
 * were written in it by notify(); the greeting, the link and the footer are translated here. An
 * urgent announcement's own title and text are the writer's words, as written.
 */
function compose(row: Claimed, baseUrl: string): MailMessage {
  const tr = translatorFor(row.language);
  const hello = tr.t('Hello {name},', { name: row.firstName });
  const preferences = tr.t('Choose which mails you get: {link}', { link: `${baseUrl}/account/notifications` });
  if (row.announcementId) {
    const lines = [hello, tr.t('Urgent announcement: {title}', { title: row.announcementTitle ?? '' }), row.announcementBody ?? ''];
    const link = { href: `${baseUrl}/announcements/${row.announcementId}`, label: tr.t('Read it on Edupeak') };
    return {
      to: row.email,
      subject: row.subject ?? (row.announcementTitle ? tr.t('Urgent: {title}', { title: row.announcementTitle }) : tr.t('Urgent announcement')),
      text: `${lines.join('\n\n')}\n\n${link.label}: ${link.href}\n\n${preferences}\n`,
      html: html(lines, link),
    };
  }
  const lines = [hello, row.message ?? '', ...(row.text ? [row.text] : [])];
  const link = { href: `${baseUrl}${row.link ?? '/notifications'}`, label: tr.t(row.link ? msg('Open it on Edupeak') : msg('Your notifications')) };
  return {
    to: row.email,
    subject: row.subject ?? row.title ?? 'Edupeak',
    text: `${lines.join('\n\n')}\n\n${link.label}: ${link.href}\n\n${preferences}\n`,
    html: html(lines, link),
  };
}

export interface MailOutbox {
  /** Delivers now if this process queued mail since the last delivery; returns at once (the work runs on). */
  kickIfQueued(): void;
  /** Delivers whatever is queued (the app after a request; tests). */
  kick(): void;
  /** Resolves when no delivery of this outbox is running (tests, shutdown). */
  idle(): Promise<void>;
}

/** The app's outbox: at most one delivery at a time per process; a kick during one runs another after it. */
export function createMailOutbox(deps: OutboxDeps): MailOutbox {
  let running: Promise<void> | undefined;
  let again = false;
  const kick = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        queued = false;
        await deliverAllMail(deps);
      } while (again);
    })()
      .catch((err: unknown) => deps.logger.error({ err }, 'mail delivery failed'))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    kick,
    kickIfQueued: () => {
      if (queued) kick();
    },
    idle: async () => {
      while (running) await running;
    },
  };
}
