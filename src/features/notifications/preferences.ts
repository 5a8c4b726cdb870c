import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { mailDefaultSql, MAIL_TOPICS, type MailTopic } from './notify.ts';

/**
 * Which notices a person gets by mail (/account/notifications). The inbox always shows every
 * notice; only mail is a choice. A person without a row for a topic gets the default
 * (system_config `notifications.mailDefaults`, else the built-in one), so notify() and this page
 * read the same rule (mailDefaultSql).
 */

/** What the page says for each topic: a label, and one line on what it covers. */
export const TOPIC_TEXT: Record<MailTopic, { label: string; description: string }> = {
  AdminReply: { label: 'Replies from the Edupeak team', description: 'Answers about your teacher application, help requests and refunds (a refund receipt is always mailed).' },
  BlogApproved: { label: 'Your blog post was approved', description: 'A moderator published a post you sent.' },
  BlogRejected: { label: 'Your blog post was not accepted', description: 'With the moderator\'s reason and the points given back.' },
  AssignmentGraded: { label: 'Your assignment was graded', description: 'The grade and your teacher\'s whole feedback.' },
  UrgentAnnouncement: { label: 'Urgent announcements', description: 'Announcements marked urgent, for everyone or for your courses.' },
  CommentReceived: { label: 'Comments on your posts', description: 'Someone commented on your post or replied to your comment.' },
  ReactionReceived: { label: 'Reactions to your posts', description: 'People reacted to your post (at most one notice a post an hour).' },
  PointsEarned: { label: 'Points and badges', description: 'Points from badges, quizzes and engagement with your posts.' },
  SuperAdminInvitation: { label: 'Invitations to administer Edupeak', description: 'You were invited to help run the site.' },
  HelpRequestReply: { label: 'Replies to your help desk answers', description: 'For the Edupeak team: someone you answered on the help desk wrote back.' },
  SupportCallAccepted: { label: 'You can join a live help call', description: 'A teacher accepted your request to join their call.' },
};

export interface TopicChoice {
  topic: MailTopic;
  label: string;
  description: string;
  /** Mail for this topic: the person's choice, else the default. */
  email: boolean;
  /** The person chose (a row exists); false: the default applies. */
  chosen: boolean;
}

/** Every topic with what applies to the person now: one query. */
export async function preferencesOf(db: Database, userId: string): Promise<TopicChoice[]> {
  const { rows } = await sql<{ topic: MailTopic; email: boolean; chosen: boolean }>`
    select x.topic, coalesce(p.email, ${mailDefaultSql(sql.ref('x.topic'))}) as email, p.email is not null as chosen
    from unnest(${sql.val(MAIL_TOPICS)}::text[]) with ordinality as x(topic, n)
    left join notification_preference p on p.user_id = ${userId} and p.topic = x.topic
    order by x.n`.execute(db.withoutPlugins());
  return rows.map((r) => ({ ...r, ...TOPIC_TEXT[r.topic] }));
}

/**
 * Saves a row for EVERY topic (mail for those in `wanted`, none for the rest), in one statement:
 * what the person saw and kept is recorded, so a later change of the admin's default does not
 * silently change it.
 */
export async function savePreferences(db: Database, userId: string, wanted: ReadonlySet<MailTopic>): Promise<void> {
  await db
    .insertInto('notificationPreference')
    .values(MAIL_TOPICS.map((topic) => ({ userId, topic, email: wanted.has(topic) })))
    .onConflict((oc) => oc.columns(['userId', 'topic']).doUpdateSet((eb) => ({ email: eb.ref('excluded.email'), updatedAt: sql<Date>`now()` })))
    .execute();
}
