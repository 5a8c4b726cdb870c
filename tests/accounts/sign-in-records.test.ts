import { describe, expect, it } from 'vitest';
import { countryOf } from '../../src/lib/geo.ts';
import { describeUserAgent } from '../../src/lib/user-agent.ts';
import { useTestApp } from '../setup/app.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { CHROME_ANDROID, newAgent, type Agent } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';

/**
 * Issue 23, points 5 and 6: a sign-in writes one login_session per Active enrollment (device type and
 * browser read by ua-parser-js, address, country) and the country of the address in login_history,
 * from GeoIP data shipped in the npm package, behind the trusted proxy setting.
 */

// A British and an American address of MaxMind's and Google's (public, stable in the GeoLite2 data).
const GB = '81.2.69.142';
const US = '8.8.8.8';

async function signInFrom(agent: Agent, email: string, password: string, forwardedFor: string) {
  const page = await agent.get('/auth/login').expect(200);
  return agent.post('/auth/login').set('X-Forwarded-For', forwardedFor).type('form').send({ _csrf: csrfTokenOf(page.text), email, password });
}

describe('what a sign-in records, behind a trusted proxy', () => {
  const t = useTestApp({ config: { TRUST_PROXY: 'loopback' } });

  it('one login_session per Active enrollment and sign-in, with device, browser, address and country; none for other enrollments', async () => {
    const student = await createUser(t.db);
    const [a, b, cancelled, banned] = await Promise.all([createCourse(t.db), createCourse(t.db), createCourse(t.db), createCourse(t.db)]);
    const active = [
      await createEnrollment(t.db, { userId: student.id, courseId: a.id, status: 'Active' }),
      await createEnrollment(t.db, { userId: student.id, courseId: b.id, status: 'Active' }),
    ];
    await createEnrollment(t.db, { userId: student.id, courseId: cancelled.id, status: 'Cancelled' });
    const bannedFrom = await createEnrollment(t.db, { userId: student.id, courseId: banned.id, status: 'Active' });
    await t.db.updateTable('enrollment').set({ banned: true }).where('id', '=', bannedFrom.id).execute();

    const phone = newAgent(t.app, CHROME_ANDROID);
    expect((await signInFrom(phone, student.email, student.password, GB)).status).toBe(303);
    const rows = await t.db.selectFrom('loginSession').selectAll().innerJoin('enrollment', 'enrollment.id', 'loginSession.enrollmentId').where('enrollment.userId', '=', student.id).execute();
    expect(rows.map((r) => r.enrollmentId).sort()).toEqual(active.map((e) => e.id).sort());
    for (const row of rows) expect(row).toMatchObject({ device: 'mobile', browser: 'Chrome', country: 'GB', ipAddress: GB, userAgent: CHROME_ANDROID });
    const history = await t.db.selectFrom('loginHistory').select(['success', 'country', 'ipAddress']).where('userId', '=', student.id).execute();
    expect(history).toEqual([{ success: true, country: 'GB', ipAddress: GB }]);

    // Each sign-in adds one row per Active enrollment (bounded: not one per page or lesson).
    expect((await signInFrom(newAgent(t.app), student.email, student.password, US)).status).toBe(303);
    const after = await t.db.selectFrom('loginSession').select(['country', 'browser', 'device']).where('enrollmentId', 'in', active.map((e) => e.id)).orderBy('loggedInAt').execute();
    expect(after).toHaveLength(4);
    expect(after.slice(2)).toEqual([
      { country: 'US', browser: 'Firefox', device: 'desktop' },
      { country: 'US', browser: 'Firefox', device: 'desktop' },
    ]);
    // Opening lessons afterwards adds none.
    const student2 = newAgent(t.app);
    await signInFrom(student2, student.email, student.password, US);
    await student2.get(`/learn/${a.slug}`);
    expect(await t.db.selectFrom('loginSession').select('id').where('enrollmentId', 'in', active.map((e) => e.id)).execute()).toHaveLength(6);
  });

  it('a failed attempt records the country too', async () => {
    const student = await createUser(t.db);
    expect((await signInFrom(newAgent(t.app), student.email, 'not the password', US)).status).toBe(422);
    expect(await t.db.selectFrom('loginHistory').select(['success', 'country', 'failureReason']).where('userId', '=', student.id).execute()).toEqual([
      { success: false, country: 'US', failureReason: 'wrong_password' },
    ]);
  });
});

describe('without a trusted proxy', () => {
  const t = useTestApp();

  it('X-Forwarded-For is ignored: the loopback peer has no country', async () => {
    const student = await createUser(t.db);
    const course = await createCourse(t.db);
    await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Active' });
    expect((await signInFrom(newAgent(t.app), student.email, student.password, GB)).status).toBe(303);
    const history = await t.db.selectFrom('loginHistory').select(['country', 'ipAddress']).where('userId', '=', student.id).executeTakeFirstOrThrow();
    expect(history.country).toBeNull();
    expect(history.ipAddress).not.toBe(GB);
    const session = await t.db.selectFrom('loginSession').innerJoin('enrollment', 'enrollment.id', 'loginSession.enrollmentId').select('loginSession.country').where('enrollment.userId', '=', student.id).executeTakeFirstOrThrow();
    expect(session.country).toBeNull();
  });
});

describe('reading addresses and browsers', () => {
  it('countryOf: public IPv4, IPv6 and IPv4-mapped addresses; private, loopback and nonsense give none', () => {
    expect(countryOf(US)).toBe('US');
    expect(countryOf(`::ffff:${GB}`)).toBe('GB');
    expect(countryOf('2a00:1450:4001:80b::200e')).toBe('DE');
    for (const none of ['127.0.0.1', '::1', '10.1.2.3', '192.168.0.7', '172.16.5.4', 'fd00::1', 'not an address', '', null, undefined]) expect(countryOf(none), String(none)).toBeNull();
  });

  it('describeUserAgent: browsers, systems and device types from ua-parser-js, in the names the pages show', () => {
    expect(describeUserAgent(CHROME_ANDROID)).toEqual({ browser: 'Chrome', os: 'Android', device: 'mobile' });
    expect(describeUserAgent('Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toEqual({ browser: 'Safari', os: 'iOS', device: 'tablet' });
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0')).toEqual({ browser: 'Edge', os: 'Windows', device: 'desktop' });
    expect(describeUserAgent('Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54').browser).toBe('Opera Mini');
    expect(describeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15')).toEqual({ browser: 'Safari', os: 'macOS', device: 'desktop' });
    expect(describeUserAgent(null)).toEqual({ browser: 'Unknown browser', os: 'unknown system', device: 'desktop' });
  });
});
