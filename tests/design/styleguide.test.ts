import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { colourTokens, iconNames, textContrasts } from '../../src/features/styleguide/routes.ts';
import { contrastRatio } from '../../src/lib/contrast.ts';
import { buildTestApp, testConfig, useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { newAgent } from '../setup/forms.ts';
import { startSession } from '../setup/users.ts';
import { designFixture } from './fixture.ts';

/** Emoji and the symbol glyphs many fonts lack (★, ✓, 🏅 ...): the icon sprite draws these instead. */
const EMOJI = /[\p{Extended_Pictographic}\u2600-\u27BF\u2B00-\u2BFF\uFE0F]/u;

describe('the style guide', () => {
  const t = useTestApp();

  it('shows every component in development: type, colours with their contrast, icons, buttons, fields, pills, cards, messages, tables, prose', async () => {
    const res = await t.request().get('/styleguide').expect(200);
    expectWithinPageBudget(res);
    for (const id of ['type', 'colours', 'icons', 'buttons', 'fields', 'pills', 'cards', 'messages', 'tables', 'prose']) expect(res.text).toContain(`<section id="${id}"`);
    for (const name of iconNames()) expect(res.text).toContain(`<use href="#i-${name}"/>`);
    for (const c of textContrasts()) expect(res.text).toContain(`${c.ratio}:1`);
    expect(res.text).not.toContain('fails AA');
    for (const type of ['file', 'date', 'search', 'email']) expect(res.text).toContain(`type="${type}"`);
    for (const cls of ['button secondary', 'button danger', 'small', 'flash flash-success', 'flash flash-error', 'flash flash-warning', 'empty', 'panel', 'card', 'status status-pending', 'form-errors', 'prose', 'checklist', 'table class="data"']) {
      expect(res.text, cls).toContain(cls);
    }
    // Both forms of the table: full width, and in a box narrow enough for its cards.
    expect(res.text.match(/<table class="data">/g)!.length).toBeGreaterThanOrEqual(3);
    expect(res.text).toContain('class="phone-frame"');
  });

  it('is not there in production', async () => {
    const app = buildTestApp(t.db, { config: testConfig({ NODE_ENV: 'production', BASE_URL: 'https://edupeak.example' }) });
    await supertest(app).get('/styleguide').expect(404);
  });

  it('every text colour pair reaches WCAG AA (4.5:1), computed from app.css itself', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(colourTokens().size).toBeGreaterThan(10);
    for (const c of textContrasts()) expect(Number(c.ratio), `--${c.fg} on --${c.bg}`).toBeGreaterThanOrEqual(4.5);
  });
});

describe('no emoji', () => {
  const t = useTestApp();

  it('in any view or source file (flash messages included)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.(eta|ts)$/.test(entry.name)) {
          readFileSync(file, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (EMOJI.test(line)) offenders.push(`${path.relative(root, file)}:${i + 1}: ${line.trim().slice(0, 80)}`);
            });
        }
      }
    };
    walk(path.join(root, 'views'));
    walk(path.join(root, 'src'));
    expect(offenders).toEqual([]);
  });

  it('in the pages people see, with ratings, completions and badges shown as icons', async () => {
    const f = await designFixture(t.db);
    await t.db.insertInto('courseRating').values({ userId: f.student.id, courseId: f.course.id, rating: 4, comment: 'Clear and short.' }).execute();
    const student = newAgent(t.app);
    await startSession(student, t.db, f.student);
    await student.get(f.paths.lesson).expect(200);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec((await student.get(f.paths.lesson)).text)![1]!;
    await student.post(`${f.paths.lesson}/complete`).type('form').send({ _csrf: csrf }).expect(303);

    const course = await t.request().get(f.paths.course).expect(200);
    expect(course.text).toContain('<use href="#i-star"/>');
    expect(course.text).toContain('aria-label="4 out of 5 stars"');
    const dashboard = await student.get('/dashboard').expect(200);
    expect(dashboard.text).toContain('<use href="#i-award"/></svg>First lesson completed');
    const lesson = await student.get(f.paths.lesson).expect(200);
    expect(lesson.text).toContain('<use href="#i-check"/></svg>Completed');
    for (const res of [course, dashboard, lesson, await t.request().get('/'), await t.request().get('/courses'), await t.request().get('/styleguide')]) {
      expect(res.text).not.toMatch(EMOJI);
    }
  });
});
