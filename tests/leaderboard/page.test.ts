import { describe, expect, it } from 'vitest';
import { currentPeriod, lastCompletedPeriod } from '../../src/features/leaderboard/periods.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createTeacher, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * /leaderboard (public): this week's top 20 by points earned, short names only ("Maria G."),
 * opted-out students left out, the viewer's own place, last period's winners; and the opt-out on
 * the profile.
 */

const t = useTestApp();

/** Points earned `secondsAgo` ago, but not before this week began (a run just after Monday 00:00 UTC). */
async function earned(userId: string, points: number, secondsAgo = 60, reason: 'Quiz' | 'Badge' | 'Opening' = 'Quiz') {
  const at = secondsAgo > 7 * 86_400 ? Date.now() - secondsAgo * 1000 : Math.max(currentPeriod('week').start.getTime(), Date.now() - secondsAgo * 1000);
  await t.db.insertInto('pointLedger').values({ userId, points, reason, description: 'Points', createdAt: new Date(at) }).execute();
}

const rowsOf = (html: string) =>
  (html.match(/<table class="leaderboard">[\s\S]*?<\/table>/)?.[0].match(/<tr[ >][\s\S]*?<\/tr>/g) ?? [])
    .slice(1)
    .map((row) => [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim()));

// One file, one database: the page shows everyone's points, so each test reads what it seeded.
describe('the leaderboard page', () => {
  it('shows this week’s top 20 as first name and initial only, without opted-out students, teachers, banned users or unearned points', async () => {
    const students = [];
    for (let i = 0; i < 22; i++) {
      const s = await createUser(t.db, { firstName: `Pupil${i}`, lastName: `Zwiebelmeyer${i}`, email: `pupil${i}@leaderboard.test` });
      await earned(s.id, 1000 - i * 10);
      students.push(s);
    }
    const hidden = await createUser(t.db, { firstName: 'Hidden', lastName: 'Optout', leaderboardOptOut: true });
    await earned(hidden.id, 5000);
    const teacher = await createTeacher(t.db, { firstName: 'Teacher' });
    await earned(teacher.id, 5000);
    const banned = await createUser(t.db, { firstName: 'Banned', banned: true, banReason: 'spam' });
    await earned(banned.id, 5000);
    const liftedBan = await createUser(t.db, { firstName: 'Lifted', lastName: 'again', banned: true, banReason: 'old', banExpires: new Date(Date.now() - 1000) });
    await earned(liftedBan.id, 995);
    const opening = await createUser(t.db, { firstName: 'Opening' });
    await earned(opening.id, 5000, 60, 'Opening');
    const lastWeek = await createUser(t.db, { firstName: 'Lastweek' });
    await earned(lastWeek.id, 5000, 8 * 86_400);

    const page = await t.request().get('/leaderboard').expect(200);
    const rows = rowsOf(page.text);
    expect(rows).toHaveLength(20);
    expect(rows[0]).toEqual(['1', 'Pupil0 Z.', '1000']);
    // The lifted ban counts again: 995 puts them second.
    expect(rows[1]).toEqual(['2', 'Lifted A.', '995']);
    expect(rows[19]).toEqual(['20', 'Pupil18 Z.', '820']);
    for (const name of ['Hidden', 'Teacher', 'Banned', 'Opening', 'Lastweek', 'Pupil19', 'Pupil20']) expect(page.text).not.toContain(name);
    for (const s of students) {
      expect(page.text).not.toContain(s.lastName!);
      expect(page.text).not.toContain(s.email);
      expect(page.text).not.toContain(s.id);
    }
    expect(page.text).not.toContain('Zwiebel');
    expect(page.text).not.toContain('leaderboard-you');
    expectWithinPageBudget(page);
  });

  it('shows a signed-in student their place, also beyond the top 20, or that they opted out or earned nothing yet', async () => {
    const third = await signedInAs(t.app, t.db, 'student', { firstName: 'Maria', lastName: 'Garcia' });
    await earned(third.user.id, 993);
    const mine = await third.agent.get('/leaderboard').expect(200);
    expect(mine.text).toContain('You are <strong>3rd</strong> with 993 points.');
    expect(mine.text).toContain('<tr class="leaderboard-me"><td class="num">3</td><td>Maria G. <span class="muted">(you)</span></td><td class="num">993</td></tr>');

    const far = await signedInAs(t.app, t.db, 'student');
    await earned(far.user.id, 1);
    expect((await far.agent.get('/leaderboard').expect(200)).text).toMatch(/You are <strong>\d+(st|nd|rd|th)<\/strong> with 1 point\./);

    const shy = await signedInAs(t.app, t.db, 'student', { leaderboardOptOut: true });
    await earned(shy.user.id, 7);
    expect((await shy.agent.get('/leaderboard').expect(200)).text).toContain('You chose not to appear on the leaderboard (you have earned 7 points this week). <a href="/account">Change this on your profile</a>.');

    const idle = await signedInAs(t.app, t.db, 'student');
    expect((await idle.agent.get('/leaderboard').expect(200)).text).toContain('You have not earned points this week yet.');
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    expect((await teacher.agent.get('/leaderboard').expect(200)).text).not.toContain('leaderboard-you');
  });

  it('shows this month with ?period=month, and last period’s winners without those who opted out', async () => {
    const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1, 0, 0, 1));
    const early = await createUser(t.db, { firstName: 'Monthly', lastName: 'Early' });
    await t.db.insertInto('pointLedger').values({ userId: early.id, points: 9999, reason: 'Quiz', description: 'Points', createdAt: monthStart }).execute();
    const month = await t.request().get('/leaderboard?period=month').expect(200);
    expect(rowsOf(month.text)[0]).toEqual(['1', 'Monthly E.', '9999']);
    expect(month.text).toMatch(/<a href="\/leaderboard\?period=month" aria-current="page">This month<\/a>/);
    // A bad period is this week.
    expect((await t.request().get('/leaderboard?period=decade').expect(200)).text).toMatch(/<a href="\/leaderboard" aria-current="page">This week<\/a>/);

    const last = lastCompletedPeriod('week');
    const [gold, silver] = [await createUser(t.db, { firstName: 'Goldie', lastName: 'Goldsmithson' }), await createUser(t.db, { firstName: 'Silvia', lastName: 'Private', leaderboardOptOut: true })];
    await t.db.insertInto('leaderboardPeriod').values({ period: 'week', periodStart: last.startDay }).execute();
    await t.db
      .insertInto('leaderboardAward')
      .values([
        { period: 'week', periodStart: last.startDay, rank: 1, userId: gold.id, points: 70 },
        { period: 'week', periodStart: last.startDay, rank: 2, userId: silver.id, points: 60 },
      ])
      .execute();
    const week = (await t.request().get('/leaderboard').expect(200)).text;
    const winners = week.slice(week.indexOf('id="past-winners"'));
    expect(winners).toContain('<li><strong>1st</strong> Goldie G. <span class="muted">· 70 points</span></li>');
    expect(winners).not.toContain('Silvia');
    expect(winners).not.toContain('Goldsmithson');
  });

  it('runs the same number of queries for 3 students or 60', async () => {
    const viewer = await signedInAs(t.app, t.db, 'student');
    const few = await countQueries(t.db, () => viewer.agent.get('/leaderboard').expect(200));
    for (let i = 0; i < 60; i++) {
      const s = await createUser(t.db, { firstName: `Extra${i}` });
      await earned(s.id, i + 1);
    }
    const many = await countQueries(t.db, () => viewer.agent.get('/leaderboard').expect(200));
    expect(many.count).toBe(few.count);
    const visitor = await countQueries(t.db, () => t.request().get('/leaderboard').expect(200));
    const size = expectWithinPageBudget(many.result);
    console.info(`/leaderboard: ${visitor.count} queries for a visitor, ${many.count} signed in; ${size} bytes gzipped`);
  });
});

describe('leaving the leaderboard on the profile', () => {
  const profile = { firstName: 'Maria', lastName: 'Garcia', timeZone: 'UTC' };

  it('a student’s box is ticked by default; unticking it opts out, ticking it opts back in', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const form = (await me.agent.get('/account').expect(200)).text;
    expect(form).toMatch(/<input type="checkbox" id="f-showOnLeaderboard" name="showOnLeaderboard" value="true"[^>]* checked> Show me on the leaderboard<\/label>/);
    const optOut = async () => (await t.db.selectFrom('user').select('leaderboardOptOut').where('id', '=', me.user.id).executeTakeFirstOrThrow()).leaderboardOptOut;

    await me.post('/account', profile).expect(303);
    expect(await optOut()).toBe(true);
    expect((await me.agent.get('/account').expect(200)).text).not.toMatch(/name="showOnLeaderboard" value="true"[^>]* checked/);
    await me.post('/account', { ...profile, showOnLeaderboard: 'true' }).expect(303);
    expect(await optOut()).toBe(false);
  });

  it('refuses a value a checkbox never sends, keeping what was typed', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const res = await me.post('/account', { ...profile, firstName: 'Typed', showOnLeaderboard: 'maybe' }).expect(422);
    expect(res.text).toContain('Tick the box or leave it empty.');
    expect(res.text).toContain('value="Typed"');
  });

  it('is not asked of teachers, whose choice a profile save leaves alone', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    expect((await teacher.agent.get('/account').expect(200)).text).not.toContain('showOnLeaderboard');
    await teacher.post('/account', profile).expect(303);
    expect((await t.db.selectFrom('user').select('leaderboardOptOut').where('id', '=', teacher.user.id).executeTakeFirstOrThrow()).leaderboardOptOut).toBe(false);
  });
});
