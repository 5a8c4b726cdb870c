import { beforeEach, describe, expect, it } from 'vitest';
import { LAST_SUPERADMIN } from '../../src/features/workspaces/service.ts';
import { useTestApp } from '../setup/app.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { createUser } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { createWorkspace, memberOf, superAdmin } from '../setup/workspace-factories.ts';

/** /admin/workspaces: the table, create, rename and describe, members' roles and removal. */

describe('admin workspaces', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  const auditRows = (entityId: string) => t.db.selectFrom('activityLog').selectAll().where('entityId', '=', entityId).orderBy('createdAt').execute();
  const post = (who: SignedIn, path: string, fields: Record<string, string> = {}, referer?: string) => {
    const req = who.agent.post(path).type('form');
    if (referer) req.set('Referer', `http://127.0.0.1${referer}`);
    return req.send({ ...fields, _csrf: who.csrf });
  };

  it('a SuperAdmin creates a workspace (slug from the name) and becomes its SuperAdmin; it is listed with its member count; audited', async () => {
    const admin = await superAdmin(t);
    const res = await post(admin, '/admin/workspaces', { name: 'North Campus Études', slug: '', description: 'The northern school' });
    expect(res.status).toBe(303);
    const ws = await t.db.selectFrom('workspace').selectAll().where('slug', '=', 'north-campus-etudes').executeTakeFirstOrThrow();
    expect(res.headers.location).toBe(`/admin/workspaces/${ws.id}`);
    expect(ws).toMatchObject({ name: 'North Campus Études', description: 'The northern school' });
    expect(await memberOf(t.db, ws.id, admin.user.id)).toBe('SuperAdmin');
    expect(await auditRows(ws.id)).toMatchObject([{ action: 'workspace_created', userId: admin.user.id }]);

    const shown = await admin.agent.get(res.headers.location!).expect(200);
    expect(shown.text).toContain('Workspace &quot;North Campus Études&quot; created');
    const page = await admin.agent.get('/admin/workspaces?q=north').expect(200);
    expect(page.text).toContain('North Campus Études');
    expect(page.text).toMatch(new RegExp(`<tr id="w-${ws.id}">[\\s\\S]*?data-label="Members" class="num">1</td>`));
  });

  it('bad input is 422 with the message and what was typed; a taken slug is 422', async () => {
    const admin = await superAdmin(t);
    const empty = await post(admin, '/admin/workspaces', { name: '  ', slug: 'Bad Slug!', description: 'kept text' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Enter a name.');
    expect(empty.text).toContain('Use lower-case letters, digits and single dashes');
    expect(empty.text).toContain('kept text');
    await createWorkspace(t.db, { slug: 'taken-slug' });
    const taken = await post(admin, '/admin/workspaces', { name: 'Another', slug: 'taken-slug' });
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('A workspace with this slug exists already.');
    expect(taken.text).toContain('value="Another"');
  });

  it('renames and describes (the slug stays); 422 keeps the typing; audited with from and to', async () => {
    const admin = await superAdmin(t);
    const ws = await createWorkspace(t.db, { name: 'Old Name', slug: 'old-name' });
    const path = `/admin/workspaces/${ws.id}`;
    const bad = await post(admin, path, { name: '', description: 'New words' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a name.');
    expect(bad.text).toContain('New words');
    await post(admin, path, { name: 'New Name', description: 'New words', slug: 'ignored' }).expect(303);
    const row = await t.db.selectFrom('workspace').selectAll().where('id', '=', ws.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'New Name', description: 'New words', slug: 'old-name' });
    const log = await auditRows(ws.id);
    expect(log.at(-1)).toMatchObject({ action: 'workspace_updated', metadata: { from: { name: 'Old Name', description: null }, to: { name: 'New Name', description: 'New words' } } });
  });

  it('changes a member\'s role: raising to Admin makes a student an admin; audited; the same role again says so', async () => {
    const admin = await superAdmin(t);
    const ws = await createWorkspace(t.db);
    const student = await createUser(t.db);
    await addMembership(t.db, student.id, 'Member', ws.id);
    const m = await t.db.selectFrom('membership').select('id').where('userId', '=', student.id).executeTakeFirstOrThrow();
    const path = `/admin/workspaces/${ws.id}`;
    const res = await post(admin, `${path}/members/${m.id}/role`, { role: 'Admin' }, `${path}?role=Member`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${path}?role=Member`);
    expect(await memberOf(t.db, ws.id, student.id)).toBe('Admin');
    expect((await t.db.selectFrom('user').select('role').where('id', '=', student.id).executeTakeFirstOrThrow()).role).toBe('admin');
    expect(await auditRows(m.id)).toMatchObject([{ action: 'membership_role_changed', metadata: { from: 'Member', to: 'Admin', workspaceId: ws.id } }]);
    expect(await auditRows(student.id)).toMatchObject([{ action: 'user_role_changed', metadata: { from: 'student', to: 'admin' } }]);

    // Lowering the membership leaves the site role alone (that is /admin/users' to change).
    await post(admin, `${path}/members/${m.id}/role`, { role: 'Member' }).expect(303);
    expect(await memberOf(t.db, ws.id, student.id)).toBe('Member');
    const again = await post(admin, `${path}/members/${m.id}/role`, { role: 'Member' }).expect(303);
    expect((await admin.agent.get(again.headers.location!)).text).toContain('is Member already.');
    expect(await auditRows(m.id)).toHaveLength(2);
    // A role that is not one: 422 beside the row, nothing changes.
    const bad = await post(admin, `${path}/members/${m.id}/role`, { role: 'Owner' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose Member, Admin or SuperAdmin.');
  });

  it('removes a member from the workspace only; audited; an unknown membership or another workspace\'s is 404', async () => {
    const admin = await superAdmin(t);
    const ws = await createWorkspace(t.db);
    const other = await createWorkspace(t.db);
    const user = await createUser(t.db);
    await addMembership(t.db, user.id, 'Admin', ws.id);
    await addMembership(t.db, user.id, 'Member', other.id);
    const m = await t.db.selectFrom('membership').select('id').where('userId', '=', user.id).where('workspaceId', '=', ws.id).executeTakeFirstOrThrow();
    await post(admin, `/admin/workspaces/${other.id}/members/${m.id}/remove`).expect(404);
    await post(admin, `/admin/workspaces/${ws.id}/members/00000000-0000-4000-8000-000000000000/remove`).expect(404);
    await post(admin, `/admin/workspaces/${ws.id}/members/${m.id}/remove`).expect(303);
    expect(await memberOf(t.db, ws.id, user.id)).toBeNull();
    expect(await memberOf(t.db, other.id, user.id)).toBe('Member');
    expect(await t.db.selectFrom('user').select('id').where('id', '=', user.id).executeTakeFirst()).toBeTruthy();
    expect(await auditRows(m.id)).toMatchObject([{ action: 'membership_removed', metadata: { email: user.email, role: 'Admin' } }]);
  });

  it('the last SuperAdmin can be neither demoted nor removed (422 beside the row); with two, one can', async () => {
    const admin = await superAdmin(t);
    const ws = await createWorkspace(t.db);
    const only = await createUser(t.db, { role: 'admin' });
    await addMembership(t.db, only.id, 'SuperAdmin', ws.id);
    const m = await t.db.selectFrom('membership').select('id').where('userId', '=', only.id).where('workspaceId', '=', ws.id).executeTakeFirstOrThrow();
    const path = `/admin/workspaces/${ws.id}`;
    for (const res of [await post(admin, `${path}/members/${m.id}/role`, { role: 'Admin' }, path), await post(admin, `${path}/members/${m.id}/remove`, {}, path)]) {
      expect(res.status).toBe(422);
      expect(res.text).toContain(LAST_SUPERADMIN);
      expect(res.text).toContain(`href="#m-${m.id}"`);
    }
    expect(await memberOf(t.db, ws.id, only.id)).toBe('SuperAdmin');
    expect(await auditRows(m.id)).toEqual([]);

    const second = await createUser(t.db, { role: 'admin' });
    await addMembership(t.db, second.id, 'SuperAdmin', ws.id);
    await post(admin, `${path}/members/${m.id}/role`, { role: 'Admin' }).expect(303);
    expect(await memberOf(t.db, ws.id, only.id)).toBe('Admin');
  });

  it('two SuperAdmins demoting the two last SuperAdmins at the same moment leave one (and two removals too)', async () => {
    for (const action of ['role', 'remove'] as const) {
      const [a, b] = [await superAdmin(t), await superAdmin(t)];
      const ws = await createWorkspace(t.db);
      const [x, y] = [await createUser(t.db, { role: 'admin' }), await createUser(t.db, { role: 'admin' })];
      await addMembership(t.db, x.id, 'SuperAdmin', ws.id);
      await addMembership(t.db, y.id, 'SuperAdmin', ws.id);
      const ms = await t.db.selectFrom('membership').select(['id', 'userId']).where('workspaceId', '=', ws.id).execute();
      const idOf = (userId: string) => ms.find((r) => r.userId === userId)!.id;
      const results = await Promise.all([
        post(a, `/admin/workspaces/${ws.id}/members/${idOf(x.id)}/${action}`, { role: 'Member' }),
        post(b, `/admin/workspaces/${ws.id}/members/${idOf(y.id)}/${action}`, { role: 'Member' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([303, 422]);
      const left = await t.db.selectFrom('membership').select('role').where('workspaceId', '=', ws.id).where('role', '=', 'SuperAdmin').execute();
      expect(left).toHaveLength(1);
    }
  });

  it('a plain admin sees the pages but gets 403 on every SuperAdmin action, and nothing changes', async () => {
    const plain = await signedInAs(t.app, t.db, 'admin');
    const ws = await createWorkspace(t.db, { name: 'Look Only' });
    const user = await createUser(t.db);
    await addMembership(t.db, user.id, 'SuperAdmin', ws.id);
    const m = await t.db.selectFrom('membership').select('id').where('userId', '=', user.id).executeTakeFirstOrThrow();
    const list = await plain.agent.get('/admin/workspaces').expect(200);
    expect(list.text).not.toContain('Create workspace');
    const page = await plain.agent.get(`/admin/workspaces/${ws.id}`).expect(200);
    expect(page.text).toContain(user.email);
    expect(page.text).not.toContain('/remove"');
    expect(page.text).not.toContain('Send invitation');
    const base = `/admin/workspaces/${ws.id}`;
    for (const [path, fields] of [
      ['/admin/workspaces', { name: 'Nope' }],
      [base, { name: 'Renamed' }],
      [`${base}/members/${m.id}/role`, { role: 'Member' }],
      [`${base}/members/${m.id}/remove`, {}],
      [`${base}/invitations`, { email: 'x@example.test', role: 'Admin' }],
      [`${base}/invitations/00000000-0000-4000-8000-000000000000/revoke`, {}],
    ] as const) {
      const res = await post(plain, path, fields);
      expect(res.status, path).toBe(403);
      expect(res.text).toContain('Only a workspace SuperAdmin can do this.');
    }
    expect(await memberOf(t.db, ws.id, user.id)).toBe('SuperAdmin');
    expect((await t.db.selectFrom('workspace').select('name').where('id', '=', ws.id).executeTakeFirstOrThrow()).name).toBe('Look Only');
    expect(await t.db.selectFrom('invitation').select('id').where('email', '=', 'x@example.test').execute()).toEqual([]);
  });

  it('students and teachers get 404 on every workspace page and action; visitors are sent to sign in', async () => {
    const ws = await createWorkspace(t.db);
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/workspaces').expect(404);
      await who.agent.get(`/admin/workspaces/${ws.id}`).expect(404);
      await who.agent.get(`/admin/workspaces/${ws.id}?format=csv`).expect(404);
      await post(who, '/admin/workspaces', { name: 'X' }).expect(404);
      await post(who, `/admin/workspaces/${ws.id}/invitations`, { email: 'a@example.test', role: 'Admin' }).expect(404);
    }
    await t.request().get('/admin/workspaces').expect(303);
    expect(await t.db.selectFrom('invitation').select('id').where('workspaceId', '=', ws.id).execute()).toEqual([]);
  });

  it('a bad id is 404; the tables have CSV with every filtered row and a formula neutralised', async () => {
    const admin = await superAdmin(t);
    await admin.agent.get('/admin/workspaces/nope').expect(404);
    await admin.agent.get('/admin/workspaces/00000000-0000-4000-8000-000000000000').expect(404);
    const ws = await createWorkspace(t.db, { name: '=HYPERLINK("http://evil.example")', slug: 'csv-evil' });
    const csv = await admin.agent.get('/admin/workspaces?q=csv-evil&format=csv').expect(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="workspaces.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,name,slug,description,members,created at');
    expect(lines).toHaveLength(2);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);

    for (let i = 0; i < 3; i++) await addMembership(t.db, (await createUser(t.db)).id, i === 0 ? 'Admin' : 'Member', ws.id);
    const members = await admin.agent.get(`/admin/workspaces/${ws.id}?role=Member&format=csv`).expect(200);
    expect(members.headers['content-disposition']).toBe('attachment; filename="workspace-csv-evil-members.csv"');
    expect(members.text.trim().split('\n')).toHaveLength(3);
  });
});
