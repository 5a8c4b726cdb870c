import { describe, expect, it } from 'vitest';
import { dataTable, pageInfo } from '../../src/http/table.ts';
import { useTestApp } from '../setup/app.ts';
import { startSession } from '../setup/users.ts';
import { newAgent } from '../setup/forms.ts';
import { designFixture } from './fixture.ts';

/**
 * Every table is the one table component (table.data): on a phone each row becomes a card whose
 * cells are labelled by their column (data-label, the same names as the head, in order), numbers
 * and dates are marked to stay on one line, and filter bars keep each label with its control.
 */

const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
const stripTags = (s: string) => decode(s.replace(/<[^>]+>/g, '')).replace(/\s+/g, ' ').trim();

function tablesOf(html: string) {
  return [...html.matchAll(/<table\b([^>]*)>([\s\S]*?)<\/table>/g)].map(([, attributes, inner]) => {
    const head = [...inner!.matchAll(/<th\b[^>]*>([\s\S]*?)<\/th>/g)].map((m) => stripTags(m[1]!).replace(/ [↑↓]$/, ''));
    const body = /<tbody>([\s\S]*)<\/tbody>/.exec(inner!)?.[1] ?? '';
    const rows = [...body.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<td\b([^>]*)>/g)].map((m) => m[1]!));
    return { attributes: attributes!, head, rows };
  });
}

describe('the table component', () => {
  const t = useTestApp();

  it('dataTable names each cell after its column, marks numbers and dates, and sorts through pageInfo', () => {
    const info = pageInfo('/x', { sort: 'amount', dir: 'asc', status: 'Active' }, 3);
    const table = dataTable({ who: { label: 'Student "A" & co' }, amount: { label: 'Amount', sort: 'amount', kind: 'num' }, act: { label: 'Action', hideLabel: true } }, info);
    expect(table.td('who')).toBe(' data-label="Student &quot;A&quot; &amp; co"');
    expect(table.td('amount')).toBe(' data-label="Amount" class="num"');
    expect(table.td('act')).toBe(' data-label=""');
    expect(() => table.td('nope')).toThrow(/unknown table column/);
    expect(table.head[1]).toMatchObject({ label: 'Amount', className: 'num', ariaSort: 'ascending', href: '/x?sort=amount&dir=desc&status=Active' });
    expect(table.head[0]!.href).toBeUndefined();
  });

  it('every table of every teacher, admin, account and grades page: data-label on each cell, matching its column; one-line numbers and dates', async () => {
    const f = await designFixture(t.db);
    const as = async (user: { id: string }) => {
      const agent = newAgent(t.app);
      await startSession(agent, t.db, user);
      return agent;
    };
    const teacher = await as(f.teacher);
    const admin = await as(f.admin);
    const student = await as(f.student);
    const pages: Array<[typeof teacher, string, string[]]> = [
      [teacher, '/teach', ['Price', 'Revenue']],
      [teacher, f.paths.students, ['Enrolled', 'Progress']],
      [teacher, f.paths.submissions, ['Submitted', 'Hand-ins', 'Grade']],
      [teacher, f.paths.gradebook, ['Progress', 'Total']],
      [admin, '/admin/payments', ['Date', 'Amount']],
      [admin, '/admin/enrollments', ['Amount', 'Enrolled']],
      [admin, '/admin/teacher-applications', ['Sent']],
      [student, '/account/payments', ['Date', 'Amount']],
      [student, '/account/sessions', ['Signed in', 'Last active']],
      [student, f.paths.grades, ['Grade']],
      [student, f.paths.myPosts, ['Last change', 'Reactions, comments']],
      [admin, f.paths.adminBlog, ['Created', 'Published', 'Points']],
      [admin, f.paths.adminCategories, []],
      [admin, f.paths.adminAnnouncements, ['Scheduled or published', 'Reads / audience']],
      [admin, f.paths.adminAnnouncement, ['Joined']],
      [teacher, f.paths.courseAnnouncements, ['Scheduled or published', 'Reads / audience']],
      // Issue 17: the administration pages.
      [admin, f.paths.adminUsers, ['Points', 'Enrollments', 'Joined', 'Last seen']],
      [admin, f.paths.adminUser, ['Signed in', 'Last active', 'Amount', 'Enrolled', 'Date', 'When']],
      [admin, f.paths.adminBannedUser, ['When']],
      [admin, f.paths.adminActivity, ['When']],
      [admin, f.paths.adminLogins, ['When']],
      [admin, f.paths.adminErrors, ['Times', 'Status', 'Last seen', 'First seen']],
      [admin, f.paths.adminError, ['First seen', 'Last seen', 'Times', 'Status']],
      [admin, f.paths.adminSearch, ['Searches', 'Average results', 'Click-through', 'Last searched']],
      [admin, f.paths.adminOnline, ['Last activity', 'Online since']],
      [admin, f.paths.adminSettings, ['Last changed']],
      [admin, f.paths.adminWorkspaces, ['Members', 'Created']],
      [admin, f.paths.adminWorkspace, ['Joined', 'Link works until']],
      // Issue 18: the help desk and the live calls (the queue's place and time, a call's counts).
      [student, f.paths.help, ['Last activity']],
      [admin, f.paths.adminHelp, ['Opened', 'Last activity']],
      [teacher, f.paths.supportCalls, ['Started', 'Ended', 'Requests']],
      [teacher, f.paths.supportCall, ['Place', 'Waiting since']],
      [teacher, f.paths.endedSupportCall, ['Place', 'Waiting since']],
    ];
    for (const [agent, path, oneLine] of pages) {
      const res = await agent.get(path).expect(200);
      const tables = tablesOf(res.text);
      expect(tables.length, `${path} has a table`).toBeGreaterThan(0);
      for (const table of tables) {
        expect(table.attributes, path).toMatch(/class="data"/);
        expect(table.rows.length, `${path} has rows`).toBeGreaterThan(0);
        for (const row of table.rows) {
          expect(row.length, `${path}: a cell per column`).toBe(table.head.length);
          row.forEach((attributes, i) => {
            const label = /data-label="([^"]*)"/.exec(attributes);
            expect(label, `${path}: a cell without data-label`).not.toBeNull();
            if (label![1] !== '') expect(decode(label![1]!)).toBe(table.head[i]);
            if (oneLine.includes(table.head[i]!)) expect(attributes, `${path}: ${table.head[i]} stays on one line`).toMatch(/class="(num|date)"/);
          });
        }
      }
    }
  });

  it('filter bars keep each label with its control', async () => {
    const f = await designFixture(t.db);
    const teacher = newAgent(t.app);
    await startSession(teacher, t.db, f.teacher);
    const admin = newAgent(t.app);
    await startSession(admin, t.db, f.admin);
    // [agent, page, how many filters its bar has at least]
    const bars: Array<readonly [typeof admin, string, number]> = [
      [teacher, f.paths.students, 2],
      [teacher, f.paths.submissions, 2],
      [admin, '/admin/payments', 2],
      [admin, '/admin/enrollments', 2],
      [teacher, '/courses', 2],
      [admin, '/admin/blog', 2],
      [teacher, '/blog', 2],
      [admin, f.paths.adminAnnouncements, 2],
      // Issue 17: the administration pages; search and workspaces have one filter each.
      [admin, f.paths.adminUsers, 4],
      [admin, f.paths.adminActivity, 6],
      [admin, f.paths.adminLogins, 5],
      [admin, f.paths.adminErrors, 4],
      [admin, f.paths.adminOnline, 3],
      [admin, f.paths.adminSearch, 1],
      [admin, f.paths.adminWorkspaces, 1],
      [admin, f.paths.adminWorkspace, 2],
      // Issue 18: the help desk's queue; a course's calls have one filter.
      [admin, f.paths.adminHelp, 3],
      [teacher, f.paths.supportCalls, 1],
    ];
    for (const [agent, path, least] of bars) {
      const res = await agent.get(path).expect(200);
      const form = /<form[^>]*class="search"[^>]*>([\s\S]*?)<\/form>/.exec(res.text)?.[1];
      expect(form, path).toBeDefined();
      const units = [...form!.matchAll(/<span class="filter[^"]*">\s*<label for="([^"]+)">[^<]*<\/label>\s*<(?:select|input)\b[^>]*\bid="([^"]+)"[\s\S]*?<\/span>/g)];
      expect(units.length, `${path} has filter units`).toBeGreaterThanOrEqual(least);
      for (const u of units) expect(u[1], path).toBe(u[2]);
      const outside = form!.replace(/<span class="filter[^"]*">[\s\S]*?<\/span>/g, '');
      expect(outside, `${path}: a label outside its unit`).not.toMatch(/<label\b/);
    }
  });
});
