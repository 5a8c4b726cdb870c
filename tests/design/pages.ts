import type { Browser, BrowserContextOptions } from 'playwright-core';
import type { designFixture } from './fixture.ts';

/**
 * The design fixture's page types, each with the role that sees it: the browser walks (the design's
 * layout and contrast checks, tests/e2e/design.e2e.test.ts; axe, tests/design/axe.ts) go
 * through this one list.
 * `viewing-as`: a second SuperAdmin viewing Edupeak as the student (the impersonation banner on every page).
 * `caller`: the learner the host accepted into the fixture's live call (the meeting link on their page).
 */
export type Role = 'visitor' | 'student' | 'teacher' | 'admin' | 'viewing-as' | 'caller';
export const ROLES = ['visitor', 'student', 'teacher', 'admin', 'viewing-as', 'caller'] as const;
export type DesignPage = { name: string; path: string; role: Role };
type Fixture = Awaited<ReturnType<typeof designFixture>>;

export function designPages(f: Fixture): DesignPage[] {
  return [
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
    { name: 'sign-in-methods', path: '/account/sign-in-methods', role: 'student' },
    { name: 'your-data', path: '/account/data', role: 'student' },
    { name: 'delete-account', path: '/account/delete', role: 'student' },
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
    { name: 'admin-teacher', path: f.paths.adminTeacher, role: 'admin' },
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
}

/** Signs in through the form in a context of its own; returns the session's storage state (for newContext). */
export async function signInState(browser: Browser, url: string, email: string, password: string): Promise<BrowserContextOptions['storageState']> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url + '/auth/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('header', { hasText: 'Signed in as' }).waitFor({ timeout: 15_000 });
  const state = await context.storageState();
  await context.close();
  return state;
}

/**
 * The sessions of every role: the fixture's student, teacher, admin and caller signed in; the
 * viewer (a second SuperAdmin) clicks View as on the student's admin page, so the browser is then
 * the student's, banner and all (issue 17).
 */
export async function designSessions(browser: Browser, url: string, f: Fixture): Promise<Map<Role, BrowserContextOptions['storageState']>> {
  const sessions = new Map<Role, BrowserContextOptions['storageState']>();
  sessions.set('visitor', undefined);
  sessions.set('student', await signInState(browser, url, f.student.email, f.student.password));
  sessions.set('teacher', await signInState(browser, url, f.teacher.email, f.teacher.password));
  sessions.set('admin', await signInState(browser, url, f.admin.email, f.admin.password));
  sessions.set('caller', await signInState(browser, url, f.caller.email, f.caller.password));
  const context = await browser.newContext({ storageState: await signInState(browser, url, f.viewer.email, f.viewer.password) });
  const page = await context.newPage();
  await page.goto(url + f.paths.adminUser);
  await page.getByRole('button', { name: 'View as Nia Okoye' }).click();
  await page.getByText('You are viewing Edupeak as Nia Okoye').waitFor({ timeout: 15_000 });
  sessions.set('viewing-as', await context.storageState());
  await context.close();
  return sessions;
}
