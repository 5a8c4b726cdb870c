import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAssetManifest } from '../../src/http/assets.ts';
import { viewsDir } from '../../src/http/render.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget, gzippedSize, PAGE_BUDGET_BYTES } from '../setup/budget.ts';
import { newAgent } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { createNotifications } from '../setup/notification-factories.ts';
import { signedInAs, startSession } from '../setup/users.ts';
import { designFixture } from './fixture.ts';

/**
 * A first visit is one round trip: the HTML of `/`, `/courses` or a course page plus the CSS and
 * JavaScript it references fit in 14 KB gzipped. htmx (17.5 KB gzipped alone) is loaded only by the
 * pages that use it.
 */

type Get = (path: string) => Promise<{ status: number; text: string; body: unknown }>;

/** The page and every stylesheet and script it references, gzipped as the server sends them. */
async function firstVisit(get: Get, path: string) {
  const page = await get(path);
  expect(page.status, path).toBe(200);
  const refs = [
    ...[...page.text.matchAll(/<link\b[^>]*\brel="stylesheet"[^>]*>/g)].map((m) => /href="([^"]+)"/.exec(m[0])![1]!),
    ...[...page.text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!),
  ];
  const parts = [{ url: path, bytes: gzippedSize(page.text) }];
  for (const url of refs) {
    const res = await get(url);
    expect(res.status, url).toBe(200);
    parts.push({ url, bytes: gzippedSize(res.text ?? String(res.body)) });
  }
  return { refs, parts, total: parts.reduce((sum, p) => sum + p.bytes, 0) };
}

describe('page weight of a first visit', () => {
  const t = useTestApp();

  it('/, /courses and a course page with their CSS and JS fit in 14 KB gzipped, without htmx', async () => {
    const { paths } = await designFixture(t.db);
    const get: Get = (path) => t.request().get(path);
    for (const path of [paths.home, paths.catalog, paths.course]) {
      const visit = await firstVisit(get, path);
      expect(visit.refs.some((r) => r.includes('htmx')), `${path} loads htmx`).toBe(false);
      expect(visit.refs.some((r) => r.includes('.css')), `${path} has its stylesheet`).toBe(true);
      expect(visit.total, `${path}: ${JSON.stringify(visit.parts)}`).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
      console.info(`first visit ${path}: ${visit.total} bytes gzipped (${visit.parts.map((p) => `${p.url.replace(/\.[0-9a-f]{10}\./, '.')} ${p.bytes}`).join(', ')})`);
    }
  });

  it('the pages with hx- attributes load htmx (lesson, course editor, notifications); the others do not, the urgent banner on them or not', async () => {
    const f = await designFixture(t.db);
    const student = await signedInAs(t.app, t.db, 'student', {});
    const asOwner = await signedInAs(t.app, t.db, 'teacher');
    await t.db.updateTable('course').set({ userId: asOwner.user.id }).where('id', '=', f.course.id).execute();
    await t.db.insertInto('enrollment').values({ userId: student.user.id, courseId: f.course.id, status: 'Active', amount: 0 }).execute();
    const htmxOf = (text: string) => /<script src="\/static\/js\/htmx\.min\.[0-9a-f]{10}\.js" defer><\/script>/.test(text);

    const lesson = await student.agent.get(f.paths.lesson).expect(200);
    expect(lesson.text).toContain('hx-post=');
    expect(htmxOf(lesson.text)).toBe(true);
    const editor = await asOwner.agent.get(f.paths.editor).expect(200);
    expect(editor.text).toContain('hx-post=');
    expect(htmxOf(editor.text)).toBe(true);
    // The inbox marks notices read in place; the announcement pages and the mail choices are plain.
    await createNotifications(t.db, student.user.id, 2);
    const inbox = await student.agent.get(f.paths.notifications).expect(200);
    expect(inbox.text).toContain('hx-post=');
    expect(htmxOf(inbox.text)).toBe(true);
    // The urgent banner (the fixture's, unread by this student) is in the layout of every signed-in
    // page. Its Dismiss form is a plain POST that carries hx-post for the pages that load htmx anyway;
    // it is no reason to load htmx, so the check is of the page without it. The viewer does not read it
    // first: the dashboard must stay htmx-free with the banner on it, as people see it.
    const banner = /<div class="banner urgent-banner" id="urgent-banner"[\s\S]*?<\/form>\s*<\/div>\s*<\/div>/;
    for (const path of ['/dashboard', '/account', f.paths.course, '/teach', f.paths.announcements, f.paths.announcement, f.paths.notificationMail]) {
      const res = await (path === '/teach' ? asOwner : student).agent.get(path).expect(200);
      const form = banner.exec(res.text)?.[0];
      expect(form, `${path} shows the urgent banner`).toMatch(/<form method="post" action="\/announcements\/[0-9a-f-]{36}\/dismiss"/);
      const page = res.text.replace(banner, '');
      expect(page, path).not.toContain('hx-get=');
      expect(page, path).not.toContain('hx-post=');
      expect(htmxOf(res.text), `${path} loads htmx it does not use`).toBe(false);
    }
    // The layout keeps the CSRF header for htmx and the meta tag on every page.
    expect(lesson.text).toContain(`hx-headers='{"x-csrf-token": "${student.csrf}"}'`);
    expect(lesson.text).toContain(`<meta name="csrf-token" content="${student.csrf}">`);
  });

  it('the administration pages, the invitation pages and a page viewed as someone fit the page budget, without htmx', async () => {
    const f = await designFixture(t.db);
    const as = async (user: { id: string }) => {
      const agent = newAgent(t.app);
      await startSession(agent, t.db, user);
      return agent;
    };
    const admin = await as(f.admin);
    const teacher = await as(f.teacher);
    const visitor = newAgent(t.app);
    const htmxOf = (text: string) => /<script src="\/static\/js\/htmx\./.test(text);
    const pages: Array<[Awaited<ReturnType<typeof as>>, string, string]> = [
      [admin, f.paths.adminHome, 'Needs attention'],
      [admin, f.paths.adminUsers, f.banned.email],
      [admin, f.paths.adminUser, 'View as Nia Okoye'],
      [admin, f.paths.adminBannedUser, 'Lift the ban'],
      [admin, f.paths.adminActivity, 'Impersonated by'],
      [admin, f.paths.adminLogins, 'wrong password'],
      [admin, f.paths.adminErrors, 'MailDeliveryError'],
      [admin, f.paths.adminError, 'at priceLabel'],
      [admin, f.paths.adminSearch, 'pivot tables'],
      [admin, f.paths.adminOnline, 'Pixel 7'],
      [admin, f.paths.adminSettings, 'legacy.homepageHeroImageForTheAutumnCampaign'],
      [admin, f.paths.adminSetting, 'Change <code>learning.badgePoints</code>'],
      [admin, f.paths.adminMailSetting, 'type="checkbox"'],
      [admin, f.paths.adminWorkspaces, 'Create workspace'],
      [admin, f.paths.adminWorkspace, 'Send invitation'],
      [visitor, f.paths.invitation, 'Create account'],
      [teacher, f.paths.invitation, 'Accept the invitation'],
      [teacher, f.paths.invitations, 'Okoye Community Learning Trust'],
    ];
    for (const [agent, path, marker] of pages) {
      const res = await agent.get(path).expect(200);
      expect(res.text, path).toContain(marker);
      const bytes = expectWithinPageBudget(res);
      expect(htmxOf(res.text), `${path} loads htmx it does not use`).toBe(false);
      // The urgent banner's Dismiss carries hx-post for pages that load htmx anyway (see above).
      expect(res.text.replace(/<div class="banner urgent-banner"[\s\S]*?<\/form>\s*<\/div>\s*<\/div>/, ''), path).not.toMatch(/\shx-(get|post)=/);
      console.info(`[budget] ${path.replace(f.invitationToken, '<token>')}: ${bytes} bytes gzipped`);
    }

    // Viewing as the student: the banner with its way back on the student's pages, within budget.
    const viewer = await as(f.viewer);
    const csrf = csrfTokenOf((await viewer.get(f.paths.adminUser).expect(200)).text);
    await viewer.post(`/admin/users/${f.student.id}/impersonate`).type('form').send({ _csrf: csrf }).expect(303);
    for (const path of ['/dashboard', f.paths.lesson, f.paths.notifications]) {
      const res = await viewer.get(path).expect(200);
      expect(res.text, path).toContain('You are viewing Edupeak as Nia Okoye');
      expect(res.text, path).toContain('<form method="post" action="/impersonation/stop"');
      const bytes = expectWithinPageBudget(res);
      console.info(`[budget] ${path} viewed as: ${bytes} bytes gzipped`);
    }
  });

  it('the help desk and live help pages fit the page budget; htmx only where they swap or poll; the meeting link only for the accepted student', async () => {
    const f = await designFixture(t.db);
    const as = async (user: { id: string }) => {
      const agent = newAgent(t.app);
      await startSession(agent, t.db, user);
      return agent;
    };
    const [student, caller, teacher, admin] = [await as(f.student), await as(f.caller), await as(f.teacher), await as(f.admin)];
    const htmxOf = (text: string) => /<script src="\/static\/js\/htmx\./.test(text);
    const meeting = /https:\/\/meet\.example\.org\//;
    // [agent, page, what it shows, whether it loads htmx (it swaps a thread or a queue in place, or polls)]
    const pages: Array<[typeof admin, string, string, boolean]> = [
      [student, f.paths.help, 'I paid for the course two days ago', false],
      [student, f.paths.newHelp, 'Send the request', false],
      [student, f.paths.helpThread, 'the sound comes a second after the picture', true],
      [admin, f.paths.adminHelp, 'Students cannot see the chapter I scheduled', false],
      [admin, f.paths.adminHelpRequest, 'Answer and resolve', true],
      [teacher, f.paths.supportCalls, 'Live now:', false],
      [teacher, f.paths.supportCall, 'Oluwaseun Adeyemi-Bankole', true],
      [teacher, f.paths.endedSupportCall, 'The call ended', true],
      [student, f.paths.studentCall, 'You are number 2', true],
      [caller, f.paths.studentCall, 'Join the call', true],
      [student, f.paths.endedStudentCall, 'This call has ended', true],
      [student, f.paths.lesson, 'Live help now:', true],
    ];
    for (const [agent, path, marker, htmx] of pages) {
      const res = await agent.get(path).expect(200);
      expect(res.text, path).toContain(marker);
      const bytes = expectWithinPageBudget(res);
      expect(htmxOf(res.text), `${path} ${htmx ? 'uses htmx but does not load it' : 'loads htmx it does not use'}`).toBe(htmx);
      if (!htmx) expect(res.text.replace(/<div class="banner urgent-banner"[\s\S]*?<\/form>\s*<\/div>\s*<\/div>/, ''), path).not.toMatch(/\shx-(get|post)=/);
      // The link is in the host's page and the accepted student's, nobody else's.
      const mayLink = (agent === teacher && path === f.paths.supportCall) || (agent === caller && path === f.paths.studentCall);
      expect(meeting.test(res.text), `${path}: the meeting link ${mayLink ? 'missing' : 'shown'}`).toBe(mayLink);
      console.info(`[budget] ${agent === caller ? 'accepted ' : ''}${path}: ${bytes} bytes gzipped`);
    }
    // The thread keeps its six turns, in order; the waiting student's status polls, the accepted one's too.
    const thread = await student.get(f.paths.helpThread).expect(200);
    expect([...thread.text.matchAll(/<li id="m-[^"]+" class="help-message( team)?">/g)].map((m) => (m[1] ? 'admin' : 'user'))).toEqual(['user', 'admin', 'user', 'admin', 'user', 'admin']);
    const waiting = await student.get(f.paths.studentCall).expect(200);
    expect(waiting.text).toMatch(/<div id="call-status" aria-live="polite" hx-get="[^"]+\/status" hx-trigger="every 10s"/);
  });

  it('the analytics pages, the dashboard with its streak and calendar, the points history and the leaderboard fit the page budget with their charts drawn, without htmx', async () => {
    const f = await designFixture(t.db);
    const as = async (user: { id: string }) => {
      const agent = newAgent(t.app);
      await startSession(agent, t.db, user);
      return agent;
    };
    const [student, teacher, admin, visitor] = [await as(f.student), await as(f.teacher), await as(f.admin), newAgent(t.app)];
    const htmxOf = (text: string) => /<script src="\/static\/js\/htmx\./.test(text);
    // [agent, page, what it shows, how many charts it draws (SVG pictures)]
    const pages: Array<[typeof admin, string, string, number]> = [
      [teacher, f.paths.courseAnalytics, 'the biggest drop is after lesson', 7],
      [teacher, f.paths.courseAnalytics30d, 'Enrollments per day', 7],
      [teacher, f.paths.courseAnalyticsAll, 'Enrollments per month', 7],
      [admin, f.paths.adminAnalytics, 'Active users', 9],
      [admin, f.paths.adminAnalytics30d, 'Sign-ups', 9],
      [admin, f.paths.adminAnalytics12m, 'Top courses by net revenue', 9],
      [student, '/dashboard', '4-day streak', 1],
      [student, f.paths.points, 'Your points history, newest first', 0],
      [student, f.paths.leaderboard, 'Amara E.', 0],
      [visitor, f.paths.leaderboard, 'Amara E.', 0],
      [student, f.paths.leaderboardMonth, 'Amara E.', 0],
    ];
    for (const [agent, path, marker, charts] of pages) {
      const res = await agent.get(path).expect(200);
      expect(res.text, path).toContain(marker);
      expect(res.text.match(/<svg class="chart-/g)?.length ?? 0, `${path}: charts drawn`).toBe(charts);
      const bytes = expectWithinPageBudget(res);
      expect(htmxOf(res.text), `${path} loads htmx it does not use`).toBe(false);
      console.info(`[budget] ${agent === visitor ? 'visitor ' : ''}${path.replace(f.course.id, ':courseId')}: ${bytes} bytes gzipped`);
    }
  });

  it('a lesson with a Ready video (copies, two caption tracks, the transcript) and its teacher\'s page (copies, captions) fit the page budget', async () => {
    const f = await designFixture(t.db);
    const as = async (user: { id: string }) => {
      const agent = newAgent(t.app);
      await startSession(agent, t.db, user);
      return agent;
    };
    const [student, teacher] = [await as(f.student), await as(f.teacher)];
    // [agent, page, what it shows]
    const pages: Array<[typeof student, string, string[]]> = [
      [student, f.paths.videoLesson, ['preload="none"', '<track kind="captions" srclang="es"', 'Transcript (English)', 'Small · 13.6 MB', 'HD (57.4 MB)']],
      [teacher, f.paths.videoLessonEditor, ['Copies for slow connections (5:12 long)', 'HD · 720p · 57.4 MB', 'Español', 'Upload captions']],
    ];
    for (const [agent, path, markers] of pages) {
      const res = await agent.get(path).expect(200);
      for (const marker of markers) expect(res.text, path).toContain(marker);
      const bytes = expectWithinPageBudget(res);
      console.info(`[budget] ${path.replace(/[0-9a-f-]{36}/, ':lessonId')}: ${bytes} bytes gzipped`);
    }
  });

  it('every page whose template (or a partial it includes) has hx- attributes asks the layout for htmx', () => {
    const views = new Map<string, string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.eta')) views.set('/' + path.relative(viewsDir, file).replace(/\\/g, '/').replace(/\.eta$/, ''), readFileSync(file, 'utf8'));
      }
    };
    walk(viewsDir);
    const usesHtmx = (name: string, seen = new Set<string>()): boolean => {
      if (seen.has(name)) return false;
      seen.add(name);
      const text = views.get(name) ?? '';
      if (/\shx-(get|post|put|patch|delete|swap-oob|trigger|target)=/.test(text)) return true;
      return [...text.matchAll(/include\('([^']+)'/g)].some((m) => usesHtmx(m[1]!, seen));
    };
    const pages = [...views].filter(([name, text]) => name !== '/layouts/app' && /layout\('\/layouts\/app'/.test(text));
    const needing = pages.filter(([name]) => usesHtmx(name)).map(([name]) => name);
    expect(needing).toEqual(expect.arrayContaining(['/learn/lesson', '/teach/course', '/enrollments/checkout-success']));
    for (const [name, text] of pages) {
      const asks = /layout\('\/layouts\/app',\s*\{[^}]*htmx:\s*true/.test(text);
      expect(asks, `${name} ${needing.includes(name) ? 'uses htmx but does not load it' : 'loads htmx it does not use'}`).toBe(needing.includes(name));
    }
  });

  it('keeps all CSS within 10 KB gzipped (aim: 7 KB, leaving room for features)', () => {
    const css = buildAssetManifest()
      .entries()
      .filter((e) => e.name.endsWith('.css'))
      .reduce((sum, e) => sum + gzippedSize(readFileSync(e.file)), 0);
    console.info(`CSS: ${css} bytes gzipped`);
    expect(css).toBeLessThanOrEqual(10 * 1024);
  });
});
