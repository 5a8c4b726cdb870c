import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createDiskStorage } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { expectProblems, flash, heading, markSamePage, noSidewaysScroll, openWindow, rowsOf, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser, type Window } from '../setup/browser.ts';
import { createAdmin, createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { linkPath, waitForMailTo } from '../setup/outbox.ts';

const SLOW = { timeout: 15_000, interval: 100 };
/** The student's page polls its place every 10 s: a change shows within one poll (and a little). */
const POLL = { timeout: 20_000, interval: 250 };

/** The provider the calls use: a self-hosted Jitsi-like room per call, its name random. */
const TEMPLATE = 'https://meet.example.org/{room}';
const CALL = { title: 'Office hours: week 3', description: 'Bring your ledger questions and the assignment you are stuck on.' };
const HELP = {
  subject: 'My certificate shows the wrong name',
  message: 'The certificate for Bookkeeping basics says "Ben Plan" instead of Ben Plain.',
  answer: 'Thanks, Ben. Fix the spelling on https://example.com/account/name and download it again; I have asked for it to be regenerated.',
  reply: 'Done: the name is right now. Thank you!',
};

type Person = { id: string; email: string; password: string; firstName: string; lastName: string | null };
const nameOf = (p: Person) => `${p.firstName} ${p.lastName}`;

/**
 * Issue 18's journey for live help and the help desk: a teacher (JavaScript on, 1280 px) starts a
 * call from the course's "Live help" page, the room named by SUPPORT_CALL_URL_TEMPLATE; two
 * students at 360 px see "Live help now" on a lesson and queue, Ama with JavaScript (number 1, in
 * place) and Ben without (number 2, a Refresh link); neither page holds the meeting link. The
 * teacher refreshes the queue and accepts Ama in place; Ama's page shows the link by its 10 s poll;
 * Ben refreshes and is number 1, still without it. The teacher ends the call: the queue closes,
 * Ama's poll stops, the lesson pages no longer offer live help, and Ben reads that the call ended.
 * Then Ben, without JavaScript, opens a help request; an admin answers it in place from
 * /admin/help (Ben's bell and mailbox say so); Ben replies by the plain form, the admin reads the
 * reply in the thread (their bell says so too), and Ben closes the request.
 */
describe.skipIf(skipWithoutBrowser)('live help and the help desk in a browser', () => {
  const t = useTestApp({ config: { SUPPORT_CALL_URL_TEMPLATE: TEMPLATE } });
  const b = useBrowser(() => t.app);

  interface Cast {
    teacher: Person;
    admin: Person;
    ama: Person;
    ben: Person;
    course: { id: string; slug: string; title: string };
    lesson: { id: string; title: string };
  }
  interface Call {
    id: string;
    meetingUrl: string;
    room: string;
    hostPath: string;
    studentPath: string;
  }

  let cast: Promise<Cast> | undefined;
  let started: Promise<Call> | undefined;
  let teacherWindow: Promise<Window> | undefined;
  /** Ama's window, with every poll of her place her page made (the size of each answer, in bytes). */
  let amaWindow: Promise<Window & { stillSamePage: () => Promise<void>; polls: number[]; asked: string[] }> | undefined;
  let benWindow: Promise<Window> | undefined;
  let adminWindow: Promise<Window> | undefined;
  let queued: Promise<void> | undefined;
  let accepted: Promise<void> | undefined;
  let ended: Promise<void> | undefined;
  let helpOpened: Promise<{ id: string }> | undefined;
  let answered: Promise<void> | undefined;
  let replied: Promise<void> | undefined;
  let adminRead: Promise<void> | undefined;

  const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const status = (page: Page) => text(page, '#call-status');
  /** The bell's badge as shown ('' when there is none). */
  async function bell(page: Page): Promise<string> {
    const badge = page.locator('#nav-unread .count');
    return (await badge.count()) ? ((await badge.textContent()) ?? '') : '';
  }
  /** The help thread's messages as read: who wrote it, and what. */
  async function thread(page: Page): Promise<Array<{ who: string; text: string }>> {
    const items = page.locator('#thread .help-messages > li');
    const out: Array<{ who: string; text: string }> = [];
    for (let i = 0; i < (await items.count()); i++) {
      out.push({
        who: ((await items.nth(i).locator('.meta strong').textContent()) ?? '').trim(),
        text: ((await items.nth(i).locator('.comment-text').textContent()) ?? '').replace(/\s+/g, ' ').trim(),
      });
    }
    return out;
  }

  function people(): Promise<Cast> {
    cast ??= (async () => {
      const teacher = await createTeacher(t.db, { firstName: 'Tomi', lastName: 'Teach' });
      const admin = await createAdmin(t.db, { firstName: 'Ade', lastName: 'Min' });
      // Its card image exists, so that the pages showing it load without a 404.
      const fileKey = 'test/support-journey-course.webp';
      const image = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#336699' } }).webp().toBuffer();
      await createDiskStorage(path.join(t.config.dataDir, 'uploads')).put(fileKey, image, { contentType: 'image/webp', contentLength: image.length });
      const course = await createCourse(t.db, { title: 'Bookkeeping basics', userId: teacher.id, fileKey });
      const chapter = await createChapter(t.db, { courseId: course.id, title: 'Ledgers' });
      const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Reading a ledger' });
      const ama = await createUser(t.db, { firstName: 'Ama', lastName: 'Script' });
      const ben = await createUser(t.db, { firstName: 'Ben', lastName: 'Plain' });
      for (const s of [ama, ben]) await createEnrollment(t.db, { userId: s.id, courseId: course.id });
      return { teacher, admin, ama, ben, course: { id: course.id, slug: course.slug, title: course.title }, lesson: { id: lesson.id, title: lesson.title } };
    })();
    return cast;
  }

  const lessonPath = (c: Cast) => `/learn/${c.course.slug}/lessons/${c.lesson.id}`;

  /** The teacher's one browser for the call: signed in once, the call's page kept open. */
  function teacher(): Promise<Window> {
    teacherWindow ??= (async () => {
      const c = await people();
      const w = await openWindow(b.browser, { javaScript: true, width: 1280 });
      await signInThroughForm(w.page, b.url, c.teacher, `/teach/courses/${c.course.id}`);
      expect(await heading(w.page)).toContain(c.course.title);
      return w;
    })();
    return teacherWindow;
  }

  /** 1. The teacher follows "Live help" from the course page and starts a call; the room comes from the template. */
  function teacherStarts(): Promise<Call> {
    started ??= (async () => {
      const c = await people();
      const { page, problems } = await teacher();
      await page.getByRole('link', { name: 'Live help', exact: true }).click();
      await expect.poll(() => heading(page), SLOW).toBe('Live help');
      expect(new URL(page.url()).pathname).toBe(`/teach/courses/${c.course.id}/support-calls`);
      expect(await page.locator('main .empty').textContent()).toContain('No calls yet.');
      // With a template configured the host pastes nothing: the room is made for the call.
      expect(await page.locator('main').textContent()).toContain('A meeting room with a name nobody can guess is made for the call.');
      expect(await page.getByLabel(/^Meeting link/).count()).toBe(0);
      await page.getByLabel('Title', { exact: true }).fill(CALL.title);
      await page.getByLabel(/^Description/).fill(CALL.description);
      await page.screenshot({ path: screenshotPath('support-1-teacher-starts'), fullPage: true });
      await page.getByRole('button', { name: 'Start the call' }).click();

      await expect.poll(() => flash(page), SLOW).toBe('The call is live: students of the course see it on their lesson pages and can ask to join.');
      const hostPath = new URL(page.url()).pathname;
      expect(hostPath).toMatch(new RegExp(`^/teach/courses/${c.course.id}/support-calls/[0-9a-f-]{36}$`));
      const id = hostPath.split('/').at(-1)!;
      expect(await heading(page)).toBe(CALL.title);
      expect(await page.locator('main .status').first().textContent()).toBe('Live');
      expect(await page.locator('main').textContent()).toContain(CALL.description);
      expect(await text(page, '#queue')).toContain('0 waiting · 0 in the call · 0 in all');
      expect(await page.locator('#queue').textContent()).toContain('Nobody has asked to join yet.');

      // The room: a random, unguessable name kept in streamCallId, in the template's place.
      const row = await t.db.selectFrom('supportCall').select(['streamCallId', 'meetingUrl', 'status', 'createdBy']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.streamCallId).toMatch(/^edupeak-[0-9a-f]{32}$/);
      expect(row).toMatchObject({ meetingUrl: `https://meet.example.org/${row.streamCallId}`, status: 'Active', createdBy: c.teacher.id });
      const meeting = page.getByRole('link', { name: 'Open the meeting' });
      expect(await meeting.getAttribute('href')).toBe(row.meetingUrl);
      expect(await meeting.getAttribute('target')).toBe('_blank');
      await page.screenshot({ path: screenshotPath('support-2-teacher-call-live'), fullPage: true });
      expectProblems(problems);
      return { id, meetingUrl: row.meetingUrl!, room: row.streamCallId!, hostPath, studentPath: `/learn/${c.course.slug}/support-calls/${id}` };
    })();
    return started;
  }

  /** The meeting link appears nowhere in a page (neither the URL nor the room's name). */
  async function noLink(page: Page, call: Call) {
    const html = await page.content();
    expect(html).not.toContain(call.meetingUrl);
    expect(html).not.toContain(call.room);
    expect(html).not.toContain('meet.example.org');
  }

  /** From the lesson: the "Live help now" line names the call and leads to it. */
  async function liveHelpOnLesson(page: Page, c: Cast, call: Call) {
    expect(await heading(page)).toBe(c.lesson.title);
    const live = page.locator('#live-help');
    expect((await live.textContent())?.replace(/\s+/g, ' ').trim()).toBe(`Live help now: ${CALL.title} \u2014 Ask to join`);
    expect(await live.getByRole('link', { name: 'Ask to join' }).getAttribute('href')).toBe(call.studentPath);
    await noSidewaysScroll(page);
    await noLink(page, call);
    await live.getByRole('link', { name: 'Ask to join' }).click();
    await expect.poll(() => heading(page), SLOW).toBe(CALL.title);
    expect(new URL(page.url()).pathname).toBe(call.studentPath);
    expect(await page.locator('main').textContent()).toContain(`Live help with ${nameOf(c.teacher)}`);
    expect(await page.locator('main').textContent()).toContain(CALL.description);
  }

  /** 2. Ama (JavaScript, 360 px) then Ben (no JavaScript, 360 px) ask to join from a lesson. */
  function studentsQueue(): Promise<void> {
    queued ??= (async () => {
      const c = await people();
      const call = await teacherStarts();

      amaWindow ??= (async () => {
        const w = await openWindow(b.browser, { javaScript: true, width: 360 });
        // Each poll's size (once its body has arrived) and, counted at once when it is sent, each poll
        // asked: the sizes lag the page (the body is read after the swap), the asks never do.
        const polls: number[] = [];
        const asked: string[] = [];
        const isPoll = (url: string) => new URL(url).pathname === `${call.studentPath}/status`;
        w.page.on('request', (r) => {
          if (isPoll(r.url())) asked.push(r.url());
        });
        w.page.on('response', async (r) => {
          if (isPoll(r.url())) polls.push((await r.body()).length);
        });
        await signInThroughForm(w.page, b.url, c.ama, lessonPath(c));
        await liveHelpOnLesson(w.page, c, call);
        expect(await status(w.page)).toContain('0 waiting now.');
        await noLink(w.page, call);
        // From here on Ama's page never reloads: the join, the acceptance and the end all arrive in place.
        const stillSamePage = await markSamePage(w.page);
        await w.page.getByLabel('What do you need help with?').selectOption('Question about a lesson');
        await w.page.getByRole('button', { name: 'Ask to join' }).click();
        await expect.poll(() => status(w.page), SLOW).toContain('You are number 1; 0 ahead of you.');
        expect(await w.page.locator('#call-status').getAttribute('hx-trigger')).toBe('every 10s');
        expect(await w.page.getByRole('button', { name: 'Ask to join' }).count()).toBe(0);
        await noSidewaysScroll(w.page);
        await noLink(w.page, call);
        await w.page.screenshot({ path: screenshotPath('support-3-ama-number-1'), fullPage: true });
        expectProblems(w.problems);
        return { ...w, stillSamePage, polls, asked };
      })();
      const ama = await amaWindow;

      benWindow ??= (async () => {
        const w = await openWindow(b.browser, { javaScript: false, width: 360 });
        await signInThroughForm(w.page, b.url, c.ben, lessonPath(c));
        await liveHelpOnLesson(w.page, c, call);
        expect(await status(w.page)).toContain('1 waiting now.');
        await noLink(w.page, call);
        await w.page.getByLabel('What do you need help with?').selectOption('Technical problem');
        await w.page.getByRole('button', { name: 'Ask to join' }).click();
        await expect.poll(() => flash(w.page), SLOW).toBe('You are in the queue: number 2.');
        expect(new URL(w.page.url()).pathname).toBe(call.studentPath);
        expect(await status(w.page)).toContain('You are number 2; 1 ahead of you.');
        expect(await status(w.page)).toContain('Keep this page open: the host takes students in order.');
        expect(await w.page.locator('#call-status').getByRole('link', { name: 'Refresh' }).getAttribute('href')).toBe(call.studentPath);
        await noSidewaysScroll(w.page);
        await noLink(w.page, call);
        await w.page.screenshot({ path: screenshotPath('support-4-ben-number-2'), fullPage: true });
        expectProblems(w.problems);
        return w;
      })();
      await benWindow;

      // Ama is still number 1 (her page polled in the meantime, or will).
      await noLink(ama.page, call);
      const requests = await t.db.selectFrom('supportCallRequest').select(['userId', 'position', 'status', 'supportType']).where('supportCallId', '=', call.id).orderBy('position').execute();
      expect(requests).toEqual([
        { userId: c.ama.id, position: 1, status: 'Pending', supportType: 'Question about a lesson' },
        { userId: c.ben.id, position: 2, status: 'Pending', supportType: 'Technical problem' },
      ]);
    })();
    return queued;
  }

  /** 3. The teacher refreshes the queue and accepts Ama in place; Ama's poll brings the link; Ben refreshes and is number 1. */
  function teacherAccepts(): Promise<void> {
    accepted ??= (async () => {
      const c = await people();
      const call = await teacherStarts();
      await studentsQueue();
      const host = await teacher();
      const ama = await amaWindow!;
      const ben = await benWindow!;

      const stillSamePage = await markSamePage(host.page);
      const queue = host.page.locator('#queue');
      await queue.getByRole('link', { name: 'Refresh' }).click();
      await expect.poll(() => text(host.page, '#queue'), SLOW).toContain('2 waiting · 0 in the call · 2 in all');
      expect((await rowsOf(host.page, queue.locator('table.data'))).map((r) => [r.Place, r.Student, r.Needs, r.Status])).toEqual([
        ['1', `${nameOf(c.ama)} ${c.ama.email}`, 'Question about a lesson', 'Pending'],
        ['2', `${nameOf(c.ben)} ${c.ben.email}`, 'Technical problem', 'Pending'],
      ]);
      await host.page.screenshot({ path: screenshotPath('support-5-teacher-queue'), fullPage: true });

      await queue.getByRole('button', { name: `Accept ${nameOf(c.ama)}` }).click();
      await expect.poll(() => text(host.page, '#queue'), SLOW).toContain('1 waiting · 1 in the call · 2 in all');
      const rows = await rowsOf(host.page, queue.locator('table.data'));
      // The accepted student first, out of the line; Ben moves up to 1.
      expect(rows.map((r) => [r.Place, r.Student, r.Status])).toEqual([
        ['-', `${nameOf(c.ama)} ${c.ama.email}`, 'Accepted'],
        ['1', `${nameOf(c.ben)} ${c.ben.email}`, 'Pending'],
      ]);
      // The actions cell (its label hidden): when she joined.
      expect(rows[0]!['']).toContain('Joined');
      expect(await queue.getByRole('button', { name: `Accept ${nameOf(c.ama)}` }).count()).toBe(0);
      expect(await queue.getByRole('button', { name: `Accept ${nameOf(c.ben)}` }).count()).toBe(1);
      await stillSamePage();
      await host.page.screenshot({ path: screenshotPath('support-6-teacher-accepted'), fullPage: true });
      expectProblems(host.problems);

      // Ama's page, by its poll: the teacher is ready, and the link is there now.
      await expect.poll(() => status(ama.page), POLL).toContain('Your teacher is ready for you.');
      const join = ama.page.locator('#call-status').getByRole('link', { name: 'Join the call' });
      expect(await join.getAttribute('href')).toBe(call.meetingUrl);
      expect(await join.getAttribute('target')).toBe('_blank');
      expect(await ama.page.locator('#call-status').getAttribute('hx-trigger')).toBe('every 10s');
      // It came by the poll, whose answers stay small.
      expect(ama.polls.length).toBeGreaterThanOrEqual(1);
      for (const size of ama.polls) expect(size).toBeLessThan(1024);
      await noSidewaysScroll(ama.page);
      await ama.page.screenshot({ path: screenshotPath('support-7-ama-accepted'), fullPage: true });
      expectProblems(ama.problems);

      // Ben, without JavaScript, refreshes: number 1 now, and still no link.
      await ben.page.locator('#call-status').getByRole('link', { name: 'Refresh' }).click();
      await ben.page.waitForLoadState('load');
      await expect.poll(() => status(ben.page), SLOW).toContain('You are number 1; 0 ahead of you.');
      await noLink(ben.page, call);
      await noSidewaysScroll(ben.page);
      await ben.page.screenshot({ path: screenshotPath('support-8-ben-number-1'), fullPage: true });
      expectProblems(ben.problems);

      // Ama was told (the one notice of the journey so far), with a link to the call.
      const notices = await t.db.selectFrom('notification').select(['userId', 'type', 'link']).where('type', '=', 'SupportCallAccepted').execute();
      expect(notices).toEqual([{ userId: c.ama.id, type: 'SupportCallAccepted', link: call.studentPath }]);
    })();
    return accepted;
  }

  /** 4. The teacher ends the call: the queue closes, Ama's poll stops, and live help leaves the lesson pages. */
  function callEnds(): Promise<void> {
    ended ??= (async () => {
      const c = await people();
      const call = await teacherStarts();
      await teacherAccepts();
      const host = await teacher();
      const ama = await amaWindow!;
      const ben = await benWindow!;

      await host.page.getByRole('button', { name: 'End call' }).click();
      await expect.poll(() => flash(host.page), SLOW).toBe('Call ended. 2 open requests were closed.');
      expect(new URL(host.page.url()).pathname).toBe(call.hostPath);
      expect(await host.page.locator('main .status').first().textContent()).toBe('Ended');
      // Closed: no meeting link, no End or Cancel, no button on any request.
      expect(await host.page.getByRole('link', { name: 'Open the meeting' }).count()).toBe(0);
      expect(await host.page.getByRole('button', { name: 'End call' }).count()).toBe(0);
      expect(await host.page.locator('#queue button').count()).toBe(0);
      const rows = await rowsOf(host.page, host.page.locator('#queue table.data'));
      expect(Object.fromEntries(rows.map((r) => [r.Student, r.Status]))).toEqual({
        [`${nameOf(c.ama)} ${c.ama.email}`]: 'Completed',
        [`${nameOf(c.ben)} ${c.ben.email}`]: 'Rejected The call ended',
      });
      await host.page.screenshot({ path: screenshotPath('support-9-teacher-ended'), fullPage: true });
      // The course's list: the call Ended, and a new one could start.
      await host.page.getByRole('link', { name: `\u2190 Live help: ${c.course.title}` }).click();
      await expect.poll(() => heading(host.page), SLOW).toBe('Live help');
      expect((await rowsOf(host.page)).map((r) => [r.Title, r.Status, r.Requests])).toEqual([[CALL.title, 'Ended', '2']]);
      expect(await host.page.getByRole('button', { name: 'Start the call' }).count()).toBe(1);
      expectProblems(host.problems);
      await host.context.close();

      // Ama's page, by its poll: the call ended; the fragment carries no poll any more, nor the link.
      await expect.poll(() => status(ama.page), POLL).toContain('This call has ended. Your request was answered.');
      const polled = ama.asked.length;
      const since = Date.now();
      expect(await ama.page.locator('[hx-trigger]').count()).toBe(0);
      await noLink(ama.page, call);
      await ama.stillSamePage();
      await ama.page.screenshot({ path: screenshotPath('support-10-ama-ended'), fullPage: true });

      // Ben refreshes: the call ended (nobody took his request), and no link ever.
      await ben.page.locator('#call-status').getByRole('link', { name: 'Refresh' }).click();
      await expect.poll(() => status(ben.page), SLOW).toBe('This call has ended.');
      await noLink(ben.page, call);
      await noSidewaysScroll(ben.page);
      await ben.page.screenshot({ path: screenshotPath('support-11-ben-ended'), fullPage: true });
      // The lesson offers live help no more.
      await ben.page.goto(`${b.url}${lessonPath(c)}`);
      expect(await heading(ben.page)).toBe(c.lesson.title);
      expect(await ben.page.locator('#live-help').count()).toBe(0);
      expect(await ben.page.locator('main').textContent()).not.toContain('Live help now');
      expectProblems(ben.problems);

      // More than one poll's interval later, Ama's page has asked nothing more.
      await ama.page.waitForTimeout(Math.max(0, 11_000 - (Date.now() - since)));
      expect(ama.asked).toHaveLength(polled);
      expect(ama.polls).toHaveLength(polled);
      for (const size of ama.polls) expect(size).toBeLessThan(1024);
      await ama.page.goto(`${b.url}${lessonPath(c)}`);
      expect(await heading(ama.page)).toBe(c.lesson.title);
      expect(await ama.page.locator('#live-help').count()).toBe(0);
      // The acceptance is waiting in her notifications.
      expect(await bell(ama.page)).toBe('1');
      await noSidewaysScroll(ama.page);
      expectProblems(ama.problems);
      await ama.context.close();
    })();
    return ended;
  }

  /** The admin's browser for the help desk. */
  function admin(): Promise<Window> {
    adminWindow ??= (async () => {
      const c = await people();
      const w = await openWindow(b.browser, { javaScript: true, width: 1280 });
      await signInThroughForm(w.page, b.url, c.admin, '/admin');
      expect(await heading(w.page)).toBe('Admin');
      return w;
    })();
    return adminWindow;
  }

  /** 5a. Ben, without JavaScript, opens a help request from the footer's Help link (a refused first try keeps the subject). */
  function benAsks(): Promise<{ id: string }> {
    helpOpened ??= (async () => {
      const c = await people();
      await callEnds();
      const ben = await benWindow!;
      const { page, problems, body } = ben;
      await page.locator('footer').getByRole('link', { name: 'Help', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/help');
      expect(await heading(page)).toBe('Help');
      expect(await page.locator('main .empty').textContent()).toContain('You have not asked for help yet.');
      await page.getByRole('link', { name: 'Ask for help' }).click();
      await page.waitForURL((url) => url.pathname === '/help/new');
      expect(await heading(page)).toBe('Ask for help');

      // Sent without the message: refused, the subject kept.
      await page.getByLabel('Subject').fill(HELP.subject);
      await page.getByRole('button', { name: 'Send the request' }).click();
      await expect.poll(body, SLOW).toContain('Write your message first.');
      expect(await page.getByLabel('Subject').inputValue()).toBe(HELP.subject);
      expect(await page.getByLabel('Your message').getAttribute('aria-invalid')).toBe('true');
      await noSidewaysScroll(page);
      expectProblems(problems, [`POST ${b.url}/help/new answered 422`]);

      await page.getByLabel('Your message').fill(HELP.message);
      await page.screenshot({ path: screenshotPath('support-12-ben-asks-for-help'), fullPage: true });
      await page.getByRole('button', { name: 'Send the request' }).click();
      await expect.poll(() => flash(page), SLOW).toBe('Your request is sent. We will answer here, and tell you when we do.');
      const pathname = new URL(page.url()).pathname;
      expect(pathname).toMatch(/^\/help\/[0-9a-f-]{36}$/);
      const id = pathname.split('/').at(-1)!;
      expect(await heading(page)).toBe(HELP.subject);
      expect(await text(page, '#thread > p')).toBe('Status: Pending');
      expect(await thread(page)).toEqual([{ who: 'You', text: HELP.message }]);
      expect(await bell(page)).toBe('');
      await noSidewaysScroll(page);
      expectProblems(problems);

      // The type comes from the role: a Student's request.
      const row = await t.db.selectFrom('helpRequest').select(['userId', 'userType', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toEqual({ userId: c.ben.id, userType: 'Student', status: 'Pending' });
      return { id };
    })();
    return helpOpened;
  }

  /** 5b. The admin finds it in the open queue and answers in place; Ben's bell and mailbox say so. */
  function adminAnswers(): Promise<void> {
    answered ??= (async () => {
      const c = await people();
      const { id } = await benAsks();
      const { page, problems } = await admin();
      await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Help desk', exact: true }).click();
      await expect.poll(() => heading(page), SLOW).toBe('Help desk');
      expect(await page.getByRole('navigation', { name: 'Requests by status' }).locator('[aria-current="page"]').textContent()).toBe('Open (1)');
      const rows = await rowsOf(page);
      expect(rows.map((r) => [r.Request, r.From, r.Status])).toEqual([[HELP.subject, `${nameOf(c.ben)} (Student) ${c.ben.email}`, 'Pending']]);
      await page.screenshot({ path: screenshotPath('support-13-admin-help-queue'), fullPage: true });

      await page.getByRole('link', { name: HELP.subject }).click();
      await expect.poll(() => heading(page), SLOW).toBe(HELP.subject);
      expect(new URL(page.url()).pathname).toBe(`/admin/help/${id}`);
      expect(await text(page, '#thread > p')).toBe('Status: Pending · Not assigned yet: the first admin to answer is');
      expect(await thread(page)).toEqual([{ who: nameOf(c.ben), text: HELP.message }]);

      const stillSamePage = await markSamePage(page);
      await page.getByLabel('Your answer').fill(HELP.answer);
      await page.getByRole('button', { name: 'Answer', exact: true }).click();
      await expect.poll(() => page.locator('#thread .help-messages > li').count(), SLOW).toBe(2);
      expect(await text(page, '#thread > p')).toBe(`Status: In progress · Assigned to ${nameOf(c.admin)}`);
      expect(await thread(page)).toEqual([
        { who: nameOf(c.ben), text: HELP.message },
        { who: `Edupeak team (${nameOf(c.admin)})`, text: HELP.answer },
      ]);
      // The form is empty again, ready for the next turn.
      expect(await page.getByLabel('Your answer').inputValue()).toBe('');
      await stillSamePage();
      await page.screenshot({ path: screenshotPath('support-14-admin-answered'), fullPage: true });
      expectProblems(problems);

      // Ben's bell counts it at his next page; the mail has the answer and a link to the request.
      const ben = await benWindow!;
      await ben.page.reload();
      expect(await bell(ben.page)).toBe('1');
      const mail = await waitForMailTo(t.config.dataDir, c.ben.email, `The Edupeak team answered: ${HELP.subject}`);
      expect(mail.text).toContain(HELP.answer);
      expect(linkPath(mail, '/help/')).toBe(`/help/${id}`);
      expectProblems(ben.problems);
    })();
    return answered;
  }

  /** 5c. Ben follows the notification to the thread and replies by the plain form. */
  function benReplies(): Promise<void> {
    replied ??= (async () => {
      const c = await people();
      const { id } = await benAsks();
      await adminAnswers();
      const { page, problems } = await benWindow!;
      await page.locator('#nav-unread').click();
      await page.waitForURL((url) => url.pathname === '/notifications');
      await page.getByRole('link', { name: `The Edupeak team answered: ${HELP.subject}` }).click();
      await page.waitForURL((url) => url.pathname === `/help/${id}`);
      expect(await bell(page)).toBe('');
      expect(await text(page, '#thread > p')).toBe('Status: In progress');
      expect(await thread(page)).toEqual([
        { who: 'You', text: HELP.message },
        { who: `Edupeak team (${nameOf(c.admin)})`, text: HELP.answer },
      ]);
      // The address in the answer is a link; the text around it stays text.
      const answer = page.locator('#thread .help-message.team .comment-text[hx-disable]');
      expect(await answer.getByRole('link', { name: 'https://example.com/account/name' }).getAttribute('href')).toBe('https://example.com/account/name');
      await noSidewaysScroll(page);

      await page.getByLabel('Your reply').fill(HELP.reply);
      await page.getByRole('button', { name: 'Send reply' }).click();
      await expect.poll(() => flash(page), SLOW).toBe('Your reply is sent.');
      expect(new URL(page.url()).pathname).toBe(`/help/${id}`);
      expect(new URL(page.url()).hash).toMatch(/^#m-[0-9a-f-]{36}$/);
      expect(await thread(page)).toEqual([
        { who: 'You', text: HELP.message },
        { who: `Edupeak team (${nameOf(c.admin)})`, text: HELP.answer },
        { who: 'You', text: HELP.reply },
      ]);
      expect(await page.getByLabel('Your reply').inputValue()).toBe('');
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('support-15-ben-replied'), fullPage: true });
      expectProblems(problems);
    })();
    return replied;
  }

  /** 5d. The admin, told by the bell, reads Ben's reply in the thread. */
  function adminReadsReply(): Promise<void> {
    adminRead ??= (async () => {
      const c = await people();
      const { id } = await benAsks();
      await benReplies();
      const { page, problems } = await admin();
      await page.reload();
      expect(await bell(page)).toBe('1');
      expect(await thread(page)).toEqual([
        { who: nameOf(c.ben), text: HELP.message },
        { who: `Edupeak team (${nameOf(c.admin)})`, text: HELP.answer },
        { who: nameOf(c.ben), text: HELP.reply },
      ]);
      expect(new URL(page.url()).pathname).toBe(`/admin/help/${id}`);
      await page.screenshot({ path: screenshotPath('support-16-admin-reads-reply'), fullPage: true });
      const notice = await t.db.selectFrom('notification').select(['type', 'link']).where('userId', '=', c.admin.id).execute();
      expect(notice).toEqual([{ type: 'HelpRequestReply', link: `/admin/help/${id}` }]);
      expectProblems(problems);
    })();
    return adminRead;
  }

  it('a teacher starts a call from the course page\'s "Live help", in a room named by the template (JavaScript on, 1280 px)', () => teacherStarts().then(() => undefined), 60_000);

  it('two students queue from a lesson at 360 px, one in place with JavaScript (number 1), one by the plain form (number 2, Refresh); neither page has the meeting link', () => studentsQueue(), 90_000);

  it('the teacher accepts the first in place; her page shows the meeting link by its poll; the second refreshes and is number 1, still without it', () => teacherAccepts(), 90_000);

  it('the teacher ends the call: the queue closes, the poll stops, the lesson pages no longer offer live help and the second student reads that it ended', () => callEnds(), 90_000);

  it('a student without JavaScript opens a help request at /help/new (a refused first try keeps the subject)', () => benAsks().then(() => undefined), 60_000);

  it('an admin answers it in place from /admin/help; the student\'s bell and mailbox say so', () => adminAnswers(), 60_000);

  it('the student follows the notification and replies by the plain form; the admin reads the reply in the thread', async () => {
    await benReplies();
    await adminReadsReply();
  }, 60_000);

  it('the student closes the request: it takes no more messages, and both sides see it Closed', async () => {
    const c = await people();
    const { id } = await benAsks();
    await adminReadsReply();
    const ben = await benWindow!;
    await ben.page.getByRole('button', { name: 'Close: I need no more help' }).click();
    await expect.poll(() => flash(ben.page), SLOW).toBe('The request is closed. Open a new one whenever you need help.');
    expect(new URL(ben.page.url()).pathname).toBe(`/help/${id}`);
    expect(await text(ben.page, '#thread > p')).toBe('Status: Closed');
    expect(await ben.page.locator('#thread form').count()).toBe(0);
    expect(await text(ben.page, '#thread .panel')).toBe('This request is closed: it takes no more messages. Open a new request if you still need help.');
    expect(await thread(ben.page)).toHaveLength(3);
    await noSidewaysScroll(ben.page);
    await ben.page.screenshot({ path: screenshotPath('support-17-ben-closed'), fullPage: true });
    await ben.page.getByRole('link', { name: 'Your help requests' }).click();
    await ben.page.waitForURL((url) => url.pathname === '/help');
    expect((await rowsOf(ben.page)).map((r) => [r.Request, r.Status])).toEqual([[HELP.subject, 'Closed']]);
    await noSidewaysScroll(ben.page);
    expectProblems(ben.problems);
    await ben.context.close();

    const { page, problems, context } = await admin();
    await page.reload();
    expect(await text(page, '#thread > p')).toBe(`Status: Closed · Assigned to ${nameOf(c.admin)}`);
    expect(await page.getByLabel('Your answer').count()).toBe(0);
    expectProblems(problems);
    await context.close();
    expect((await t.db.selectFrom('helpRequest').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('Closed');
  }, 60_000);
});
