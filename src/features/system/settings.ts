import type { Database } from '../../db/database.ts';

/**
 * Settings admins can change in `system_config` (key -> JSON value), with the defaults used when a
 * key is absent. Reading one costs one indexed lookup; nothing is cached, so a change applies at once.
 */
export const DEFAULTS = {
  /** Points to open a scheduled chapter or lesson early. */
  'learning.earlyUnlockPoints': 50,
  /** Points credited with each badge. */
  'learning.badgePoints': { FirstLessonCompleted: 10, SevenDayStreak: 25, HundredPercentProgress: 50 },
  /** The score (percent) at which a required quiz completes its lesson. */
  'assessments.passMark': 60,
  /** Points a blog post costs when it is sent to moderation (refunded if it is rejected). */
  'blog.pointsRequired': 5,
  /** Points an author earns for engagement by another user, once per user, post and kind. */
  'blog.engagementPoints': { reaction: 1, comment: 2 },
  /** Comments a user writes to earn the DiscussionContributor badge. */
  'blog.discussionContributorComments': 10,
  /** Whether a person gets mail for each kind of notification until they choose on /account/notifications. */
  'notifications.mailDefaults': {
    AdminReply: true,
    BlogApproved: true,
    BlogRejected: true,
    AssignmentGraded: true,
    UrgentAnnouncement: true,
    CommentReceived: false,
    ReactionReceived: false,
    PointsEarned: false,
    SuperAdminInvitation: true,
  },
  /** Read notifications older than this many days are deleted by the prune job. */
  'notifications.pruneReadAfterDays': 180,
  /** Days a workspace invitation's link works before the expire-invitations job marks it Expired. */
  'workspaces.invitationDays': 7,
} as const;

export type SettingKey = keyof typeof DEFAULTS;

export async function setting<K extends SettingKey>(db: Database, key: K): Promise<(typeof DEFAULTS)[K]> {
  const row = await db.selectFrom('systemConfig').select('value').where('key', '=', key).executeTakeFirst();
  if (row === undefined || row.value === null) return DEFAULTS[key];
  const fallback = DEFAULTS[key];
  // A value of the wrong shape (typed by hand) falls back to the default rather than breaking pages.
  if (typeof fallback === 'number') return (typeof row.value === 'number' && row.value >= 0 ? row.value : fallback) as (typeof DEFAULTS)[K];
  return (typeof row.value === 'object' && !Array.isArray(row.value) ? { ...(fallback as object), ...row.value } : fallback) as (typeof DEFAULTS)[K];
}
