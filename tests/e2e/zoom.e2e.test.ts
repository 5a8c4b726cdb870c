import type { Browser, BrowserContextOptions } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { designFixture } from '../design/fixture.ts';
import { useTestApp } from '../setup/app.ts';
import { skipWithoutBrowser, useBrowser } from '../setup/browser.ts';

/**
 * Issue 21, WCAG 1.4.10 (reflow): 200 % zoom on a 640 px window is a 320 px viewport. Every page
 * type, for each role, in English, Spanish and Arabic (longer words, right to left): the page never
 * scrolls sideways (scrollWidth <= 320), and the header's links and a tab bar are all on screen
 * (they wrap; none hidden in a box that scrolls sideways). tests/e2e/design.e2e.test.ts checks the
 * English pages' tables, contrast and images at 320/360/1280 px; this file adds the languages.
 */

type Role = 'visitor' | 'student' | 'teacher' | 'admin';
const LANGUAGES = ['en', 'es', 'ar'] as const;

/** Runs in the page: what sticks out past a 320 px screen, one line each. */
const REFLOW_PROBLEMS = `(() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) {
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => { const r = el.getBoundingClientRect(); return r.right > doc.clientWidth + 1 || r.left < -1; })
      .slice(-3)
      .map((el) => el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '') + ' "' + (el.textContent || '').trim().slice(0, 30) + '"');
    problems.push('scrolls sideways: ' + doc.scrollWidth + ' > ' + doc.clientWidth + ' (' + wide.join(', ') + ')');
  }
  for (const bar of document.querySelectorAll('.nav-links, nav.tabs')) {
    if (bar.scrollWidth > bar.clientWidth + 1) problems.push((bar.getAttribute('class')) + ' hides links in a sideways scroll: ' + bar.scrollWidth + ' > ' + bar.clientWidth);
    for (const a of bar.querySelectorAll('a, button')) {
      const r = a.getBoundingClientRect();
      if (r.width && (r.left < -1 || r.right > doc.clientWidth + 1)) problems.push('off screen: "' + a.textContent.trim() + '" at ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  return problems;
})()`;

describe.skipIf(skipWithoutBrowser)('reflow: every page type at 320 px (200 % zoom) in English, Spanish and Arabic', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);
  const sessions = new Map<Role, BrowserContextOptions['storageState']>();
  let pages: Array<{ path: string; role: Role }> = [];

  async function signIn(browser: Browser, email: string, password: string) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(b.url + '/auth/login');
    await page.locator('#f-email').fill(email);
    await page.locator('#f-password').fill(password);
    await page.locator('main form button[type="submit"]').click();
    await page.locator('header a[href="/account"]').waitFor({ timeout: 15_000 });
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
    const p = f.paths;
    const of = (role: Role, list: string[]) => list.map((path) => ({ path, role }));
    pages = [
      ...of('visitor', ['/', '/courses', p.course, '/auth/login', '/auth/register', '/auth/forgot', p.blog, p.post, p.leaderboard, p.invitation]),
      ...of('student', ['/dashboard', p.course, p.lesson, p.quizLesson, p.assignmentLesson, p.videoLesson, p.grades, '/account', '/account/payments', '/account/sessions', '/account/sign-in-methods', '/account/data', '/account/delete',
        '/teach/apply', p.newPost, p.myPosts, p.notifications, p.notificationMail, p.announcements, p.announcement, p.help, p.newHelp, p.helpThread,
        p.studentCall, p.points, p.leaderboard]),
      ...of('teacher', ['/teach', p.editor, p.students, `/teach/lessons/${f.lesson.id}`, p.quizEditor, p.videoLessonEditor, p.submissions, p.submission, p.gradebook,
        '/teach/courses/new', p.courseAnnouncements, p.newCourseAnnouncement, p.supportCalls, p.supportCall, p.courseAnalytics, p.invitations]),
      ...of('admin', [p.adminHome, p.adminUsers, p.adminUser, p.adminTeacher, p.adminActivity, p.adminLogins, p.adminErrors, p.adminError, p.adminSearch, p.adminOnline,
        p.adminSettings, p.adminSetting, p.adminWorkspaces, p.adminWorkspace, '/admin/payments', '/admin/enrollments', '/admin/teacher-applications',
        p.adminBlog, p.adminCategories, p.adminAnnouncements, p.newAnnouncement, p.adminAnnouncement, p.adminHelp, p.adminHelpRequest, p.adminAnalytics]),
    ];
  });

  for (const language of LANGUAGES) {
    it(`every page type, each role, in ${language}`, { timeout: 240_000 }, async () => {
      const problems: string[] = [];
      for (const role of ['visitor', 'student', 'teacher', 'admin'] as const) {
        const context = await b.browser.newContext({ viewport: { width: 320, height: 640 }, locale: language, storageState: sessions.get(role) });
        const page = await context.newPage();
        for (const { path } of pages.filter((x) => x.role === role)) {
          const res = await page.goto(b.url + path);
          if (res?.status() !== 200) {
            problems.push(`${language} ${role} ${path}: status ${res?.status()}`);
            continue;
          }
          expect(await page.getAttribute('html', 'lang')).toBe(language);
          for (const problem of (await page.evaluate(REFLOW_PROBLEMS)) as string[]) problems.push(`${language} ${role} ${path}: ${problem}`);
        }
        await context.close();
      }
      expect(problems).toEqual([]);
    });
  }
});
