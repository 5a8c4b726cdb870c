import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { requireRole } from '../../src/http/guards.ts';
import { useTestApp } from '../setup/app.ts';
import { createAdmin, createTeacher, createUser } from '../setup/factories.ts';
import { isSignedIn, newAgent, sessionCookieOf, signIn } from '../setup/forms.ts';

// Stand-ins for the /teach and /admin areas that later issues mount the same way.
const areas = Router();
areas.use('/test/teach', requireRole('teacher', 'admin'), Router().get('/', (_req, res) => res.send('teacher area')));
areas.use('/test/admin', requireRole('admin'), Router().get('/', (_req, res) => res.send('admin area')));

describe('roles', () => {
  const t = useTestApp({ extraRoutes: areas });

  it('new accounts are students; the database refuses any other role name', async () => {
    const user = await createUser(t.db, { role: undefined });
    expect(user.role).toBe('student');
    await expect(t.db.updateTable('user').set({ role: 'superuser' }).where('id', '=', user.id).execute()).rejects.toThrow(/check/);
  });

  it('teacher and admin areas: visitors sign in first, other roles get 404', async () => {
    await t.request().get('/test/admin').expect(303).expect('Location', '/auth/login?next=%2Ftest%2Fadmin');
    const as = async (user: { email: string; password: string }) => {
      const agent = newAgent(t.app);
      await signIn(agent, user.email, user.password);
      return agent;
    };
    const student = await as(await createUser(t.db));
    const teacher = await as(await createTeacher(t.db));
    const admin = await as(await createAdmin(t.db));
    await student.get('/test/teach').expect(404);
    await student.get('/test/admin').expect(404);
    await teacher.get('/test/teach').expect(200, 'teacher area');
    await teacher.get('/test/admin').expect(404);
    await admin.get('/test/teach').expect(200);
    await admin.get('/test/admin').expect(200, 'admin area');
  });

  it('a change of role gives the session a new id, and the old id is worth nothing', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    const signedIn = await signIn(agent, user.email, user.password);
    const before = sessionCookieOf(signedIn)!;
    await agent.get('/test/teach').expect(404);

    await t.db.updateTable('user').set({ role: 'teacher' }).where('id', '=', user.id).execute();
    const res = await agent.get('/test/teach').expect(200);
    const after = sessionCookieOf(res);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(await isSignedIn(agent)).toBe(true);
    const stale = await t.request().get('/').set('Cookie', before);
    expect(stale.text).not.toContain('Signed in as');
  });
});
