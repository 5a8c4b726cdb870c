import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { mailDefaultSql, MAIL_TOPICS, type MailTopic } from './notify.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * Which notices a person gets by mail (/account/notifications). The inbox always shows every
 * notice; only mail is a choice. A person without a row for a topic gets the default
 * (system_config `notifications.mailDefaults`, else the built-in one), so notify() and this page
 * read the same rule (mailDefaultSql).
 */

/** What the page says for each topic: a label, and one line on what it covers (catalogue messages; preferencesOf gives them translated when given a translator). */
export const TOPIC_TEXT: Record<MailTopic, { label: string; description: string }> = {
  AdminReply: { label: msg('Replies from the Edupeak team'), description: msg('Answers about your teacher application, help requests and refunds (a refund receipt is always mailed).') },
  BlogApproved: { label: msg('Your blog post was approved'), description: msg('A moderator published a post you sent.') },
  BlogRejected: { label: msg('Your blog post was not accepted'), description: msg('With the moderator\'s reason and the points given back.') },
  AssignmentGraded: { label: msg('Your assignment was graded'), description: msg('The grade and your teacher\'s whole feedback.') },
  UrgentAnnouncement: { label: msg('Urgent announcements'), description: msg('Announcements marked urgent, for everyone or for your courses.') },
  CommentReceived: { label: msg('Comments on your posts'), description: msg('Someone commented on your post or replied to your comment.') },
  ReactionReceived: { label: msg('Reactions to your posts'), description: msg('People reacted to your post (at most one notice a post an hour).') },
  PointsEarned: { label: msg('Points and badges'), description: msg('Points from badges, quizzes and engagement with your posts.') },
  SuperAdminInvitation: { label: msg('Invitations to administer Edupeak'), description: msg('You were invited to help run the site.') },
  HelpRequestReply: { label: msg('Replies to your help desk answers'), description: msg('For the Edupeak team: someone you answered on the help desk wrote back.') },
  SupportCallAccepted: { label: msg('You can join a live help call'), description: msg('A teacher accepted your request to join their call.') },
  CourseReminder: { label: msg('Reminders to start a course'), description: msg('One mail a few days after you enroll, if you have not completed a lesson of the course yet.') },
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
