import type { Database } from '../db/database.ts';
import { expireInvitations } from '../features/workspaces/invitations.ts';

/**
 * Open workspace invitations whose time has passed become Expired (their links are refused from
 * the moment expiresAt passes anyway; this makes the status say so, for the workspace pages).
 */
export function expireInvitationsJob(db: Database): Promise<{ expired: number }> {
  return expireInvitations(db);
}
