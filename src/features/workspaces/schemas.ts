import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';
import type { Workspacerole } from '../../db/types.ts';
import { SLUG_PATTERN } from '../../lib/slug.ts';
import { email } from '../accounts/schemas.ts';

/** Form inputs of the workspace pages (zod; unknown fields dropped). */

export type WorkspaceRole = Workspacerole;
export const WORKSPACE_ROLES = ['Member', 'Admin', 'SuperAdmin'] as const satisfies readonly WorkspaceRole[];

/** How much a role may do: a membership is only ever raised by an invitation, never lowered. */
export const ROLE_RANK: Record<WorkspaceRole, number> = { Member: 1, Admin: 2, SuperAdmin: 3 };

/** Roles whose holder uses the admin area: accepting one (or being raised to one) makes the person an admin. */
export const isStaffRole = (role: WorkspaceRole): boolean => role === 'Admin' || role === 'SuperAdmin';

const name = z.string({ error: msg('Enter a name.') }).trim().min(1, msg('Enter a name.')).max(100, msg('Keep the name to 100 characters.'));
const description = z
  .string({ error: msg('The description is text.') })
  .trim()
  .max(500, msg('Keep the description to 500 characters.'))
  .optional()
  .transform((v) => v || null);

export const createWorkspaceInput = z.object({
  name,
  slug: z
    .string({ error: msg('The slug is text.') })
    .trim()
    .toLowerCase()
    .max(60, msg('Keep the slug to 60 characters.'))
    .refine((v) => v === '' || SLUG_PATTERN.test(v), msg('Use lower-case letters, digits and single dashes (like north-campus).'))
    .optional()
    .default(''),
  description,
});
export type CreateWorkspaceInput = z.infer<typeof createWorkspaceInput>;
export const CREATE_FIELDS = ['name', 'slug', 'description'] as const;

/** Rename and describe; the slug stays what it was made (links and the default workspace's lookup keep working). */
export const updateWorkspaceInput = z.object({ name, description });
export type UpdateWorkspaceInput = z.infer<typeof updateWorkspaceInput>;
export const UPDATE_FIELDS = ['name', 'description'] as const;

export const roleInput = z.object({ role: z.enum(WORKSPACE_ROLES, { error: msg('Choose Member, Admin or SuperAdmin.') }) });

export const inviteInput = z.object({
  email: email.transform((v) => v.toLowerCase()),
  role: z.enum(WORKSPACE_ROLES, { error: msg('Choose Member, Admin or SuperAdmin.') }),
});
export type InviteInput = z.infer<typeof inviteInput>;
export const INVITE_FIELDS = ['email', 'role'] as const;
