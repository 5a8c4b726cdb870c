import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { designFixture } from '../design/fixture.ts';
import { useTestApp } from '../setup/app.ts';
import { skipWithoutBrowser, useBrowser } from '../setup/browser.ts';

/**
 * Every page type at 320, 360 and 1280 px, signed in as the role that sees it, with JavaScript on
 * (and a few with it off): the page never scrolls sideways, no table cell is narrower than a word
 * in it (no "Activa/te", "Pend/ing"), text reaches AA contrast on what is behind it (pills, banners,
 * flashes included), every image has its width and height. A screenshot of each
 * goes to test-output/screenshots/<page>-<width>.png for people to look at.
 */

const shots = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
/**
 * `viewing-as`: a second SuperAdmin viewing Edupeak as the student (the impersonation banner on every page).
 * `caller`: the learner the host accepted into the fixture's live call (the meeting link on their page).
 */
type Role = 'visitor' | 'student' | 'teacher' | 'admin' | 'viewing-as' | 'caller';
const ROLES = ['visitor', 'student', 'teacher', 'admin', 'viewing-as', 'caller'] as const;
const WIDTHS = [320, 360, 1280] as const;

/**
 * Runs in the page (a string: the project compiles without DOM types): what a person would see as
 * broken, one line each.
 */
const LAYOUT_PROBLEMS = `(() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) {
    // The culprits: elements past the right edge that no scrolling box of their own holds.
    const clipped = (el) => {
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) if (getComputedStyle(up).overflowX !== 'visible') return true;
      return false;
    };
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1 && !clipped(el))
      .slice(0, 3)
      .map((el) => \`\${el.tagName.toLowerCase()}.\${el.getAttribute('class') ?? ''} "\${(el.textContent ?? '').trim().slice(0, 30)}"\`);
    problems.push(\`scrolls sideways: \${doc.scrollWidth} > \${doc.clientWidth} (\${wide.join(', ')})\`);
  }
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.scrollWidth > cell.clientWidth + 1) problems.push(\`cell overflows: "\${cell.innerText.trim().slice(0, 40)}" \${cell.scrollWidth} > \${cell.clientWidth}\`);
    // A word split over two lines, unless it is wider than the cell could ever be: a table cell may
    // grow to its scrolling box, a card's cell (display: block) is as wide as it gets. A line may end
    // after a hyphen ("Featherstone-" / "haugh"), so the parts between hyphens count as the words.
    const style = getComputedStyle(cell);
    const box = style.display === 'block' ? cell.clientWidth : (cell.closest('.table-wrap') || document.documentElement).clientWidth;
    const room = box - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (const match of text.matchAll(/[^\\s-]{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        if (rects.length < 2) continue;
        const width = rects.reduce((sum, r) => sum + r.width, 0);
        if (width <= room) problems.push(\`word broken in a cell: "\${match[0]}" (\${Math.round(width)} px in \${Math.round(room)} px)\`);
      }
    }
  }
  // On a desktop a table fits its box: a column past the edge (an action cut off) is found only by scrolling.
  if (doc.clientWidth >= 1024) {
    for (const wrap of document.querySelectorAll('.table-wrap')) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) problems.push(\`table wider than its box: \${wrap.scrollWidth} > \${wrap.clientWidth} ("\${(wrap.querySelector('caption, th')?.textContent ?? '').trim().slice(0, 30)}")\`);
    }
  }
  // Text readable on what is behind it: WCAG AA, 4.5:1 (3:1 for large text), the colours as drawn
  // (a pill, a banner, a link in a flash), the background the nearest one that is not transparent.
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2 || el.closest('.sr-only, [hidden], option, svg')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    let bg = [255, 255, 255];
    for (let up = el; up; up = up.parentElement) {
      const c = rgb(getComputedStyle(up).backgroundColor);
      if (c.length === 4 ? c[3] > 0.5 : c.length === 3) { bg = c.slice(0, 3); break; }
    }
    const fg = rgb(style.color).slice(0, 3);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push(\`low contrast \${ratio.toFixed(2)}:1: \${el.tagName.toLowerCase()}.\${el.getAttribute('class') ?? ''} "\${el.textContent.trim().slice(0, 30)}" (\${style.color} on rgb(\${bg.join(', ')}))\`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('width') || !img.hasAttribute('height')) problems.push(\`image without width and height: \${img.getAttribute('src')}\`);
  }
  return problems;
})()`;

describe.skipIf(skipWithoutBrowser)('the design at 320, 360 and 1280 px', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);
  const sessions = new Map<Role, BrowserContextOptions['storageState']>();
  let pages: Array<{ name: string; path: string; role: Role }> = [];

  async function signIn(browser: Browser, email: string, password: string) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(b.url + '/auth/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('header', { hasText: 'Signed in as' }).waitFor({ timeout: 15_000 });
    const state = await context.storageState();
    await context.close();
    return state;
  }

  beforeAll(async () => {
    const f = await designFixture(t.db);
    sessions.set('visitor', undefined);
    sessions.set('student', await signIn(b.browser, f.student.email, f.student.password));
    sessions.set('teacher', await signIn(b.browser, f.teacher.email, f.teacher.password));
    sessions.set('admin', await signIn(b.browser, f.admin.email, f.admin.password));
    sessions.set('caller', await signIn(b.browser, f.caller.email, f.caller.password));
    // Issue 17: the viewer clicks View as on the student's admin page; the browser is then the student's, banner and all.
    {
      const context = await b.browser.newContext({ storageState: await signIn(b.browser, f.viewer.email, f.viewer.password) });
      const page = await context.newPage();
      await page.goto(b.url + f.paths.adminUser);
      await page.getByRole('button', { name: 'View as Nia Okoye' }).click();
      await page.getByText('You are viewing Edupeak as Nia Okoye').waitFor({ timeout: 15_000 });
      sessions.set('viewing-as', await context.storageState());
      await context.close();
    }
    pages = [
      { name: 'home', path: '/', role: 'visitor' },
      { name: 'catalog', path: '/courses', role: 'visitor' },
      { name: 'course', path: f.paths.course, role: 'visitor' },
      { name: 'sign-in', path: '/auth/login', role: 'visitor' },
      { name: 'register', path: '/auth/register', role: 'visitor' },
      { name: 'styleguide', path: '/styleguide', role: 'visitor' },
      { name: 'dashboard', path: '/dashboard', role: 'student' },
      { name: 'lesson', path: f.paths.lesson, role: 'student' },
      { name: 'quiz-lesson', path: f.paths.quizLesson, role: 'student' },
      { name: 'assignment-lesson', path: f.paths.assignmentLesson, role: 'student' },
      { name: 'grades', path: f.paths.grades, role: 'student' },
      { name: 'account', path: '/account', role: 'student' },
      { name: 'billing-payments', path: '/account/payments', role: 'student' },
      { name: 'teach-index', path: '/teach', role: 'teacher' },
      { name: 'course-editor', path: f.paths.editor, role: 'teacher' },
      { name: 'students', path: f.paths.students, role: 'teacher' },
      { name: 'lesson-editor', path: `/teach/lessons/${f.lesson.id}`, role: 'teacher' },
      { name: 'quiz-editor', path: f.paths.quizEditor, role: 'teacher' },
      { name: 'submissions', path: f.paths.submissions, role: 'teacher' },
      { name: 'submission', path: f.paths.submission, role: 'teacher' },
      { name: 'gradebook', path: f.paths.gradebook, role: 'teacher' },
      { name: 'new-course', path: '/teach/courses/new', role: 'teacher' },
      { name: 'apply-to-teach', path: '/teach/apply', role: 'student' },
      { name: 'devices', path: '/account/sessions', role: 'student' },
      { name: 'admin-payments', path: '/admin/payments', role: 'admin' },
      { name: 'admin-enrollments', path: '/admin/enrollments', role: 'admin' },
      { name: 'admin-applications', path: '/admin/teacher-applications', role: 'admin' },
      { name: 'blog', path: f.paths.blog, role: 'visitor' },
      { name: 'post', path: f.paths.post, role: 'visitor' },
      { name: 'post-reader', path: f.paths.post, role: 'teacher' },
      { name: 'new-post', path: f.paths.newPost, role: 'student' },
      { name: 'my-posts', path: f.paths.myPosts, role: 'student' },
      { name: 'admin-blog', path: f.paths.adminBlog, role: 'admin' },
      { name: 'admin-categories', path: f.paths.adminCategories, role: 'admin' },
      // Issue 16; the fixture's urgent announcement puts its banner on every signed-in page above.
      { name: 'notifications', path: f.paths.notifications, role: 'student' },
      { name: 'notification-mail', path: f.paths.notificationMail, role: 'student' },
      { name: 'announcements', path: f.paths.announcements, role: 'student' },
      { name: 'announcement', path: f.paths.announcement, role: 'student' },
      { name: 'admin-announcements', path: f.paths.adminAnnouncements, role: 'admin' },
      { name: 'new-announcement', path: f.paths.newAnnouncement, role: 'admin' },
      { name: 'admin-announcement', path: f.paths.adminAnnouncement, role: 'admin' },
      { name: 'edit-announcement', path: f.paths.editAnnouncement, role: 'admin' },
      { name: 'course-announcements', path: f.paths.courseAnnouncements, role: 'teacher' },
      { name: 'new-course-announcement', path: f.paths.newCourseAnnouncement, role: 'teacher' },
      // Issue 17: the administration pages (the admin is a SuperAdmin: every form shows), the
      // invitation pages, and the student's pages as a SuperAdmin viewing as them sees them.
      { name: 'admin-home', path: f.paths.adminHome, role: 'admin' },
      { name: 'admin-users', path: f.paths.adminUsers, role: 'admin' },
      { name: 'admin-user', path: f.paths.adminUser, role: 'admin' },
      { name: 'admin-banned-user', path: f.paths.adminBannedUser, role: 'admin' },
      { name: 'admin-activity', path: f.paths.adminActivity, role: 'admin' },
      { name: 'admin-logins', path: f.paths.adminLogins, role: 'admin' },
      { name: 'admin-errors', path: f.paths.adminErrors, role: 'admin' },
      { name: 'admin-error', path: f.paths.adminError, role: 'admin' },
      { name: 'admin-search', path: f.paths.adminSearch, role: 'admin' },
      { name: 'admin-online', path: f.paths.adminOnline, role: 'admin' },
      { name: 'admin-settings', path: f.paths.adminSettings, role: 'admin' },
      { name: 'admin-setting', path: f.paths.adminSetting, role: 'admin' },
      { name: 'admin-mail-setting', path: f.paths.adminMailSetting, role: 'admin' },
      { name: 'admin-workspaces', path: f.paths.adminWorkspaces, role: 'admin' },
      { name: 'admin-workspace', path: f.paths.adminWorkspace, role: 'admin' },
      { name: 'invitation', path: f.paths.invitation, role: 'visitor' },
      { name: 'invitation-accept', path: f.paths.invitation, role: 'teacher' },
      { name: 'invitations', path: f.paths.invitations, role: 'teacher' },
      { name: 'viewing-as-dashboard', path: '/dashboard', role: 'viewing-as' },
      { name: 'viewing-as-lesson', path: f.paths.lesson, role: 'viewing-as' },
      { name: 'viewing-as-account', path: '/account', role: 'viewing-as' },
      // Issue 18: the help desk (the six-turn thread as its student and its admin see it) and the live
      // calls: the host's list and queue, the ended call, the student waiting (number 2), the accepted
      // one with the link; the lesson page above has the live call's banner.
      { name: 'help', path: f.paths.help, role: 'student' },
      { name: 'new-help', path: f.paths.newHelp, role: 'student' },
      { name: 'help-thread', path: f.paths.helpThread, role: 'student' },
      { name: 'admin-help', path: f.paths.adminHelp, role: 'admin' },
      { name: 'admin-help-request', path: f.paths.adminHelpRequest, role: 'admin' },
      { name: 'support-calls', path: f.paths.supportCalls, role: 'teacher' },
      { name: 'support-call', path: f.paths.supportCall, role: 'teacher' },
      { name: 'support-call-ended', path: f.paths.endedSupportCall, role: 'teacher' },
      { name: 'student-call', path: f.paths.studentCall, role: 'student' },
      { name: 'student-call-ended', path: f.paths.endedStudentCall, role: 'student' },
      { name: 'student-call-accepted', path: f.paths.studentCall, role: 'caller' },
      // Issue 19: the course's analytics in each bucket size (weeks, days, months), the admin's (weeks,
      // days, and 12 months of weeks: the widest axes), the points history and the leaderboard (this
      // week and this month; a visitor's without "your place"); the dashboard above has the streak and
      // the calendar.
      { name: 'course-analytics', path: f.paths.courseAnalytics, role: 'teacher' },
      { name: 'course-analytics-30d', path: f.paths.courseAnalytics30d, role: 'teacher' },
      { name: 'course-analytics-all', path: f.paths.courseAnalyticsAll, role: 'teacher' },
      { name: 'admin-analytics', path: f.paths.adminAnalytics, role: 'admin' },
      { name: 'admin-analytics-30d', path: f.paths.adminAnalytics30d, role: 'admin' },
      { name: 'admin-analytics-12m', path: f.paths.adminAnalytics12m, role: 'admin' },
      { name: 'points', path: f.paths.points, role: 'student' },
      { name: 'leaderboard', path: f.paths.leaderboard, role: 'student' },
      { name: 'leaderboard-month', path: f.paths.leaderboardMonth, role: 'student' },
      { name: 'leaderboard-visitor', path: f.paths.leaderboard, role: 'visitor' },
      // Issue 20: a lesson with a Ready video as its student sees it (the copies' and downloads'
      // links, two tracks, the transcript), and the teacher's lesson page (the copies, the captions).
      { name: 'video-lesson', path: f.paths.videoLesson, role: 'student' },
      { name: 'video-lesson-editor', path: f.paths.videoLessonEditor, role: 'teacher' },
    ];
    mkdirSync(shots, { recursive: true });
  });

  async function check(page: Page, name: string, url: string, width: number, suffix = '') {
    const res = await page.goto(b.url + url);
    expect(res?.status(), `${name} ${url}`).toBe(200);
    const problems = (await page.evaluate(LAYOUT_PROBLEMS)) as string[];
    await page.screenshot({ path: path.join(shots, `${name}-${width}${suffix}.png`), fullPage: true });
    return problems.map((p) => `${name} at ${width}px${suffix}: ${p}`);
  }

  for (const width of WIDTHS) {
    it(`every page type at ${width} px, JavaScript on`, { timeout: 300_000 }, async () => {
      const problems: string[] = [];
      for (const role of ROLES) {
        const context = await b.browser.newContext({ viewport: { width, height: 800 }, storageState: sessions.get(role) });
        const page = await context.newPage();
        page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
        for (const p of pages.filter((x) => x.role === role)) problems.push(...(await check(page, p.name, p.path, width)));
        await context.close();
      }
      expect(problems).toEqual([]);
    });
  }

  it('the same without JavaScript, on a phone', { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    const noScript = [
      ...['home', 'course', 'lesson', 'quiz-lesson', 'assignment-lesson', 'course-editor', 'students', 'submissions', 'gradebook', 'admin-payments', 'styleguide', 'blog', 'post', 'post-reader'],
      ...['notifications', 'announcement', 'admin-announcement', 'course-announcements'],
      ...['admin-users', 'admin-user', 'admin-activity', 'admin-error', 'admin-settings', 'admin-workspace', 'invitation', 'viewing-as-dashboard'],
      ...['help', 'help-thread', 'admin-help', 'admin-help-request', 'support-call', 'student-call', 'student-call-accepted'],
      ...['dashboard', 'course-analytics', 'admin-analytics', 'points', 'leaderboard'],
      'video-lesson',
    ];
    for (const role of ROLES) {
      const context = await b.browser.newContext({ viewport: { width: 360, height: 800 }, storageState: sessions.get(role), javaScriptEnabled: false });
      const page = await context.newPage();
      for (const p of pages.filter((x) => x.role === role && noScript.includes(x.name))) problems.push(...(await check(page, p.name, p.path, 360, '-nojs')));
      await context.close();
    }
    expect(problems).toEqual([]);
  });

  it('the checks catch what they look for: a word broken in a cell, a page wider than the screen, an image without size, faint text', { timeout: 30_000 }, async () => {
    const context = await b.browser.newContext({ viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    // The old stylesheet's body rule, overflow-wrap: anywhere, in a table squeezed by its neighbour.
    await page.setContent(
      '<body style="margin:0"><table style="overflow-wrap:anywhere;width:300px"><tr><td>Activate</td><td style="width:290px">x</td></tr></table>' +
        '<div style="width:500px">wide</div><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">' +
        '<p style="color:#999">Faint grey</p><p style="background:#fdecea"><span style="color:#e57373">Pale red on pink</span></p><p style="color:#777;font-size:30px">Large grey</p></body>',
    );
    const problems = (await page.evaluate(LAYOUT_PROBLEMS)) as string[];
    expect(problems.some((p) => p.startsWith('word broken in a cell: "Activate"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('scrolls sideways'))).toBe(true);
    expect(problems.some((p) => p.startsWith('image without width and height'))).toBe(true);
    expect(problems.filter((p) => p.startsWith('low contrast')).map((p) => /"([^"]*)"/.exec(p)![1])).toEqual(['Faint grey', 'Pale red on pink']);
    await context.close();
  });

  it('the urgent banner on a 320 px phone: its text wraps, Read it and Dismiss are on screen, in every role', { timeout: 60_000 }, async () => {
    for (const role of ['student', 'teacher', 'admin'] as const) {
      const context = await b.browser.newContext({ viewport: { width: 320, height: 800 }, storageState: sessions.get(role) });
      const page = await context.newPage();
      await page.goto(b.url + '/dashboard');
      const banner = page.locator('#urgent-banner');
      await banner.getByRole('link', { name: 'Read it' }).waitFor({ state: 'visible', timeout: 5_000 });
      for (const target of [banner.getByRole('link', { name: 'Read it' }), banner.getByRole('button', { name: 'Dismiss' })]) {
        const box = (await target.boundingBox())!;
        expect(box.x, role).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, role).toBeLessThanOrEqual(320);
      }
      await context.close();
    }
  });

  it('the viewing-as banner on a 320 px phone and a desktop: first under the header, Stop viewing as on screen beside or under its text', { timeout: 60_000 }, async () => {
    for (const width of [320, 1280]) {
      const context = await b.browser.newContext({ viewport: { width, height: 800 }, storageState: sessions.get('viewing-as') });
      const page = await context.newPage();
      await page.goto(b.url + '/dashboard');
      const banner = page.getByRole('region', { name: 'Viewing as someone else' });
      const stop = banner.getByRole('button', { name: 'Stop viewing as' });
      await stop.waitFor({ state: 'visible', timeout: 5_000 });
      const [text, button, urgent] = await Promise.all([banner.locator('p').boundingBox(), stop.boundingBox(), page.locator('#urgent-banner').boundingBox()]);
      expect(button!.x, `${width}`).toBeGreaterThanOrEqual(0);
      expect(button!.x + button!.width, `${width}`).toBeLessThanOrEqual(width);
      // Above the urgent banner: the way back is the first thing on the page.
      expect(button!.y + button!.height, `${width}`).toBeLessThanOrEqual(urgent!.y);
      // On a phone the button has a line of its own; on a desktop it sits beside the text.
      if (width === 320) expect(button!.y).toBeGreaterThanOrEqual(text!.y + text!.height);
      else expect(button!.x).toBeGreaterThanOrEqual(text!.x + text!.width);
      await context.close();
    }
  });

  it('the "Live help now" notice on a 320 px phone reads as one paragraph beside its icon, Ask to join on screen', { timeout: 30_000 }, async () => {
    // Found by eye: a bare <p class="notice"> (a flex box) made "Live help now:", the title and the
    // link three columns, "Ask to join" broken over three lines at the right edge.
    const lesson = pages.find((p) => p.name === 'lesson')!;
    const context = await b.browser.newContext({ viewport: { width: 320, height: 800 }, storageState: sessions.get('student') });
    const page = await context.newPage();
    await page.goto(b.url + lesson.path);
    const notice = page.locator('#live-help');
    // The text is one flex item beside the icon (the project compiles without DOM types: any).
    expect(await notice.evaluate((el: any) => [...el.children].filter((c: any) => c.tagName !== 'svg' && c.textContent.trim()).length)).toBe(1);
    const text = (await notice.locator('strong').boundingBox())!;
    const link = (await notice.getByRole('link', { name: 'Ask to join' }).boundingBox())!;
    // The link follows the title in the same block (under the heading word, not in a column of its own).
    expect(link.x).toBeGreaterThanOrEqual(0);
    expect(link.x + link.width).toBeLessThanOrEqual(320);
    expect(link.height).toBeLessThan(2 * text.height);
    await context.close();
  });

  it('tables turn into labelled cards on a phone, and stay tables on a desktop', { timeout: 60_000 }, async () => {
    const students = pages.find((p) => p.name === 'students')!;
    for (const [width, display] of [[360, 'block'], [1280, 'table-cell']] as const) {
      const context = await b.browser.newContext({ viewport: { width, height: 800 }, storageState: sessions.get('teacher') });
      const page = await context.newPage();
      await page.goto(b.url + students.path);
      const cell = `document.querySelector('table.data tbody td[data-label="Status"]')`;
      expect(await page.evaluate(`getComputedStyle(${cell}).display`)).toBe(display);
      const label = await page.evaluate(`getComputedStyle(${cell}, '::before').content`);
      expect(label).toBe(width === 360 ? '"Status"' : 'none');
      await context.close();
    }
  });
});
