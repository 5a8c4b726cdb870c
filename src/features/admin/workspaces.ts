import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { backTo, fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { invitationMail, invite, revokeInvitation } from '../workspaces/invitations.ts';
import {
  CREATE_FIELDS,
  createWorkspaceInput,
  INVITE_FIELDS,
  inviteInput,
  roleInput,
  UPDATE_FIELDS,
  updateWorkspaceInput,
  WORKSPACE_ROLES,
} from '../workspaces/schemas.ts';
import { changeMemberRole, createWorkspace, removeMember, updateWorkspace } from '../workspaces/service.ts';
import { isSuperAdmin, requireSuperAdmin, staffRoleOfResponse } from './staff.ts';
import { contextOf, loadTablePage, serveAdminTable, tableQueryOf, type TablePage } from './table.ts';
import {
  findWorkspace,
  membersQuery,
  membersTable,
  pendingInvitations,
  WORKSPACES_PATH,
  workspacesTable,
  type MemberRow,
  type MembersQuery,
  type WorkspaceRow,
  type WorkspacesQuery,
} from './workspaces-tables.ts';

/**
 * /admin/workspaces (spec workflow 7): every admin sees the workspaces, their members and open
 * invitations; a workspace SuperAdmin also creates, renames and describes workspaces, changes
 * members' roles, removes members, invites and revokes (requireSuperAdmin: 403 for other admins).
 * The state is the workspaces service's (features/workspaces): this file parses, calls and renders.
 * A refused form answers 422 with the page it came from (its filters, sort and page, from the
 * Referer), the message beside the field and what was typed.
 */

export interface WorkspaceAdminDeps {
  db: Database;
  config: Config;
  logger: Logger;
  mailer: Mailer;
}

const idParam = z.object({ id: z.uuid() });
const memberParams = z.object({ id: z.uuid(), membershipId: z.uuid() });
const invitationParams = z.object({ id: z.uuid(), invitationId: z.uuid() });

interface FormState {
  errors?: FieldErrors;
  values?: Record<string, string>;
}

/** A refused member action: the message beside that member's row. */
interface MemberProblem {
  id: string;
  message: string;
}

const fullName = (p: { firstName: string; lastName: string | null }) => `${p.firstName} ${p.lastName ?? ''}`.trim();

export function workspaceAdminRoutes({ db, config, logger, mailer }: WorkspaceAdminDeps): Router {
  const router = Router();
  const table = workspacesTable(db);

  function renderList(res: Response, page: TablePage<WorkspacesQuery, WorkspaceRow>, form: FormState = {}, status = 200) {
    render(
      res,
      'admin/workspaces',
      {
        title: translatorOf(res).t('Workspaces'),
        rows: page.rows,
        filter: page.filter,
        pageInfo: page.pageInfo,
        canEdit: isSuperAdmin(staffRoleOfResponse(res)),
        errors: form.errors ?? {},
        values: form.values ?? {},
      },
      status,
    );
  }

  router.get('/', (req, res) => serveAdminTable(req, res, table, (page) => renderList(res, page)));

  /** The query string of the page a form was posted from, when it is `path` (else none). */
  function refererQuery(req: Request, path: string): Record<string, string> {
    const url = new URL(backTo(req.get('referer'), path, path), 'http://edupeak.invalid');
    return url.pathname === path ? Object.fromEntries(url.searchParams) : {};
  }

  router.post('/', requireSuperAdmin, async (req, res) => {
    const values = typedValues(req.body, CREATE_FIELDS);
    const refuse = async (errors: FieldErrors) =>
      renderList(res, await loadTablePage(table, tableQueryOf(table, refererQuery(req, WORKSPACES_PATH)), contextOf(res)), { errors, values }, 422);
    const parsed = createWorkspaceInput.safeParse(req.body);
    if (!parsed.success) return refuse(fieldErrors(parsed.error));
    const result = await createWorkspace(db, auditOf(req, res), parsed.data);
    if (!result.ok) return refuse(result.errors);
    setFlash(req, 'success', msg('Workspace "{name}" created; you are its SuperAdmin.'), { name: result.workspace.name });
    res.redirect(303, `${WORKSPACES_PATH}/${result.workspace.id}`);
  });

  async function workspaceOf(req: Request) {
    const params = idParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const workspace = await findWorkspace(db, params.data.id);
    if (!workspace) throw notFound();
    return workspace;
  }

  type Workspace = Awaited<ReturnType<typeof workspaceOf>>;

  /** The workspace page: details (a form for SuperAdmins), members, open invitations. */
  async function renderWorkspace(
    res: Response,
    workspace: Workspace,
    page: TablePage<MembersQuery, MemberRow>,
    forms: { details?: FormState; invite?: FormState; member?: MemberProblem } = {},
    status = 200,
  ) {
    const invitations = await pendingInvitations(db, workspace.id);
    const now = Date.now();
    render(
      res,
      'admin/workspace',
      {
        title: translatorOf(res).t('Workspace: {name}', { name: workspace.name }),
        workspace,
        rows: page.rows.map((r) => ({ ...r, name: fullName(r) })),
        filter: page.filter,
        pageInfo: page.pageInfo,
        roles: WORKSPACE_ROLES,
        canEdit: isSuperAdmin(staffRoleOfResponse(res)),
        invitations: invitations.map((i) => ({ ...i, by: fullName({ firstName: i.byFirstName, lastName: i.byLastName }), lapsed: new Date(i.expiresAt).getTime() <= now })),
        invitationsTotal: invitations[0]?.total ?? 0,
        errors: forms.details?.errors ?? {},
        values: forms.details?.values ?? { name: workspace.name, description: workspace.description ?? '' },
        invite: { errors: forms.invite?.errors ?? {}, values: forms.invite?.values ?? { role: 'Admin' } },
        member: forms.member,
      },
      status,
    );
  }

  router.get('/:id', async (req, res) => {
    const workspace = await workspaceOf(req);
    await serveAdminTable(req, res, membersTable(db, workspace), (page) => renderWorkspace(res, workspace, page));
  });

  /** The workspace page again as the form found it (the Referer's filters, sort and page), with a problem. */
  async function refuseOnWorkspace(req: Request, res: Response, workspace: Workspace, forms: Parameters<typeof renderWorkspace>[3]) {
    const members = membersTable(db, workspace);
    const q = membersQuery.parse(refererQuery(req, members.path));
    await renderWorkspace(res, workspace, await loadTablePage(members, q, contextOf(res)), forms, 422);
  }

  const backToWorkspace = (req: Request, id: string) => backTo(req.get('referer'), `${WORKSPACES_PATH}/${id}`, `${WORKSPACES_PATH}/${id}`);

  router.post('/:id', requireSuperAdmin, async (req, res) => {
    const workspace = await workspaceOf(req);
    const values = typedValues(req.body, UPDATE_FIELDS);
    const parsed = updateWorkspaceInput.safeParse(req.body);
    if (!parsed.success) return refuseOnWorkspace(req, res, workspace, { details: { errors: fieldErrors(parsed.error), values } });
    const result = await updateWorkspace(db, auditOf(req, res), workspace.id, parsed.data);
    if (!result.ok) throw notFound();
    setFlash(req, result.changed ? 'success' : 'info', result.changed ? msg('Workspace saved.') : msg('Nothing changed.'));
    res.redirect(303, backToWorkspace(req, workspace.id));
  });

  router.post('/:id/members/:membershipId/role', requireSuperAdmin, async (req, res) => {
    const params = memberParams.safeParse(req.params);
    if (!params.success) throw notFound();
    const workspace = await workspaceOf(req);
    const input = roleInput.safeParse(req.body);
    if (!input.success) return refuseOnWorkspace(req, res, workspace, { member: { id: params.data.membershipId, message: fieldErrors(input.error).role ?? msg('Choose a role.') } });
    const result = await changeMemberRole(db, auditOf(req, res), { workspaceId: workspace.id, membershipId: params.data.membershipId, role: input.data.role });
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return refuseOnWorkspace(req, res, workspace, { member: { id: params.data.membershipId, message: result.errors.role ?? msg('This change is not possible.') } });
    }
    const message = !result.changed
      ? msg('{email} is {to, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{to}}} already.')
      : result.madeAdmin
        ? msg('{email} is now {to, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{to}}}, and an admin of the site.')
        : msg('{email} is now {to, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{to}}}.');
    setFlash(req, result.changed ? 'success' : 'info', message, { email: result.email, to: result.to });
    res.redirect(303, backToWorkspace(req, workspace.id));
  });

  router.post('/:id/members/:membershipId/remove', requireSuperAdmin, async (req, res) => {
    const params = memberParams.safeParse(req.params);
    if (!params.success) throw notFound();
    const workspace = await workspaceOf(req);
    const result = await removeMember(db, auditOf(req, res), { workspaceId: workspace.id, membershipId: params.data.membershipId });
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return refuseOnWorkspace(req, res, workspace, { member: { id: params.data.membershipId, message: result.errors.role ?? msg('This member cannot be removed.') } });
    }
    setFlash(req, 'success', msg('{email} is no longer a member of {workspace}.'), { email: result.email, workspace: workspace.name });
    res.redirect(303, backToWorkspace(req, workspace.id));
  });

  router.post('/:id/invitations', requireSuperAdmin, async (req, res) => {
    const workspace = await workspaceOf(req);
    const values = typedValues(req.body, INVITE_FIELDS);
    const parsed = inviteInput.safeParse(req.body);
    if (!parsed.success) return refuseOnWorkspace(req, res, workspace, { invite: { errors: fieldErrors(parsed.error), values } });
    const tr = translatorOf(res);
    const result = await invite(db, auditOf(req, res), workspace.id, parsed.data, tr);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return refuseOnWorkspace(req, res, workspace, { invite: { errors: result.errors, values } });
    }
    const inv = result.invitation;
    const inviter = res.locals.user as { firstName: string; lastName: string | null };
    // After commit: the invitation stands even if the mail fails, and the admin is told so.
    try {
      await mailer.send(
        invitationMail(inv.email, {
          workspaceName: inv.workspace.name,
          role: inv.role,
          inviterName: fullName(inviter),
          expiresAt: inv.expiresAt,
          link: `${config.baseUrl}/invitations/${inv.token}`,
          // The invited person's language when they have an account; else the inviting admin's.
          language: inv.language ?? tr.locale,
        }),
      );
      const sent = inv.replaced
        ? msg('Invitation sent to {email} as {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}}. The earlier invitation to this address no longer works.')
        : msg('Invitation sent to {email} as {role, select, Member {Member} Admin {Admin} SuperAdmin {SuperAdmin} other {{role}}}.');
      setFlash(req, 'success', sent, { email: inv.email, role: inv.role });
    } catch (err) {
      logger.error({ err, invitationId: inv.id }, 'could not send the invitation mail');
      setFlash(req, 'error', msg('The invitation to {email} is saved, but its mail could not be sent. Invite again later to send a new link.'), { email: inv.email });
    }
    res.redirect(303, backToWorkspace(req, workspace.id));
  });

  router.post('/:id/invitations/:invitationId/revoke', requireSuperAdmin, async (req, res) => {
    const params = invitationParams.safeParse(req.params);
    if (!params.success) throw notFound();
    const result = await revokeInvitation(db, auditOf(req, res), { workspaceId: params.data.id, invitationId: params.data.invitationId });
    if (!result.ok) throw notFound();
    if (result.closed) setFlash(req, 'info', msg('The invitation to {email} was {status, select, Accepted {accepted} Expired {expired} Revoked {revoked} other {closed}} already.'), { email: result.email, status: result.closed });
    else setFlash(req, 'success', msg('The invitation to {email} is revoked: its link no longer works.'), { email: result.email });
    res.redirect(303, backToWorkspace(req, params.data.id));
  });

  return router;
}
