import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { gzippedSize, PAGE_BUDGET_BYTES } from '../setup/budget.ts';
import { newAgent } from '../setup/forms.ts';
import { countQueries } from '../setup/queries.ts';
import { startSession } from '../setup/users.ts';
import { designFixture } from '../design/fixture.ts';

/**
 * Every page of the design fixture (all page types, as the person who sees each) stays within the
 * page budget in every shipped language, and a language costs no query: the person's language is
 * read with the user in loadCurrentUser's one query, and the catalogue is in memory from start-up.
 */
describe('pages in every language', () => {
  const t = useTestApp();

  // About 190 page loads (61 pages in three languages) and the design fixture: 10 s alone, more on a busy 2-core machine.
  it('every fixture page fits 14 KB gzipped in English, Spanish and Arabic, with the same number of queries', { timeout: 90_000 }, async () => {
    const f = await designFixture(t.db);
    const viewers = await Promise.all(
      [f.student, f.teacher, f.admin].map(async (user) => {
        const agent = newAgent(t.app);
        await startSession(agent, t.db, user);
        return agent;
      }),
    );
    const sizes: Record<string, number[]> = { en: [], es: [], ar: [] };
    for (const path of [...new Set(Object.values(f.paths).filter((p): p is string => typeof p === 'string' && p.startsWith('/')))]) {
      // The first of student, teacher, admin who may see the page.
      let viewer: (typeof viewers)[number] | undefined;
      for (const agent of viewers) {
        if ((await agent.get(path)).status === 200) {
          viewer = agent;
          break;
        }
      }
      if (!viewer) continue;
      const queries: Record<string, number> = {};
      for (const language of ['en', 'es', 'ar'] as const) {
        const { result: res, count } = await countQueries(t.db, () => viewer.get(path).set('Accept-Language', language));
        expect(res.status, `${path} in ${language}`).toBe(200);
        if (!/text\/html/.test(res.headers['content-type'] ?? '')) break;
        expect(res.text, `${path} in ${language}`).toContain(`<html lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}">`);
        const size = gzippedSize(res.text);
        sizes[language]!.push(size);
        expect(size, `${path} in ${language} is ${size} bytes gzipped`).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
        queries[language] = count;
      }
      if (queries.en !== undefined) {
        expect([queries.es, queries.ar], `${path}: queries per language ${JSON.stringify(queries)}`).toEqual([queries.en, queries.en]);
      }
    }
    expect(sizes.en!.length).toBeGreaterThan(40);
    const max = (l: string) => Math.max(...sizes[l]!);
    console.info(`pages walked: ${sizes.en!.length}; largest gzipped en ${max('en')}, es ${max('es')}, ar ${max('ar')} bytes`);
  });
});
