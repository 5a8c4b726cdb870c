import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';

/**
 * "Did you mean": a search word that matches no Published course is corrected against the
 * catalog's own vocabulary (`search_word`, kept by a trigger on course: Published courses' words
 * only, so a Draft's words are never suggested). All words in one statement, whatever their number.
 *
 * Candidates come from two indexes: trigram similarity (`word % $w`, typos in longer words) and the
 * same first letter with a length within one (short words, where a swap like "htlm" shares no
 * trigram with "html"). Levenshtein bounds them in SQL; the final choice counts a swap of two
 * neighbouring letters as one edit (optimal string alignment): at most one edit for words of 4 to 6
 * letters, two from 7. Fewer edits first, then the word more courses use, then one of the length
 * typed, then a longer one.
 */

export interface Correction {
  /** The words searched instead, in the visitor's order (known words as typed). */
  words: string[];
  /** The corrected query, the words joined with spaces. */
  query: string;
}

const MIN_LENGTH = 4;
const LONG_WORD = 7;

export const allowedEdits = (word: string) => (word.length >= LONG_WORD ? 2 : word.length >= MIN_LENGTH ? 1 : 0);

/** Optimal string alignment distance: Levenshtein where swapping two neighbouring letters is one edit. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

const isBefore = (a: number[], b: number[]) => {
  const i = a.findIndex((x, k) => x !== b[k]);
  return i >= 0 && a[i]! < b[i]!;
};

interface CandidateRow {
  ord: number;
  known: boolean;
  candidate: string | null;
  ndoc: number | null;
}

/**
 * The correction for `words` (from searchWords), or undefined when every word matches something (or
 * is a stop word), or when no unknown word has a close enough catalog word.
 */
export async function correctSpelling(db: Database, words: string[]): Promise<Correction | undefined> {
  if (words.length === 0) return undefined;
  // A word is known when, searched alone, it finds a Published course (a prefix, as the search
  // does: "pytho" is known), or when it is a stop word the search ignores anyway.
  const { rows } = await sql<CandidateRow>`
    with q as materialized (
      select w, ord::int,
        numnode(to_tsquery('english', w || ':*')) = 0
          or exists (select 1 from course c where c.status = 'Published' and c.search @@ to_tsquery('english', w || ':*')) as known
      from unnest(${words}::text[]) with ordinality as t(w, ord)
    )
    select q.ord, q.known, s.word as candidate, s.ndoc
    from q
    left join lateral (
      select s.word, s.ndoc
      from (
        select word, ndoc from search_word where word % q.w
        union
        select word, ndoc from search_word
        where left(word, 1) = left(q.w, 1) and length(word) between length(q.w) - 1 and length(q.w) + 1
      ) s
      where not q.known and length(q.w) >= ${MIN_LENGTH}
        and levenshtein_less_equal(s.word, q.w, 4) <= case when length(q.w) >= ${LONG_WORD} then 4 else 2 end
      -- Enough for a swap (two Levenshtein edits, one here) to survive among commoner words.
      order by levenshtein(s.word, q.w), s.ndoc desc, s.word
      limit 50
    ) s on true`.execute(db);

  let changed = false;
  const corrected = words.map((word, i) => {
    const candidates = rows.filter((r) => r.ord === i + 1 && !r.known && r.candidate !== null);
    let best: { word: string; rank: number[] } | undefined;
    for (const c of candidates) {
      const edits = editDistance(word, c.candidate!);
      if (edits === 0 || edits > allowedEdits(word)) continue;
      // Fewer edits, then the commoner word, then the length typed (a swap or a wrong letter), then a letter missed.
      const rank = [edits, -c.ndoc!, Math.abs(c.candidate!.length - word.length), word.length - c.candidate!.length];
      if (!best || isBefore(rank, best.rank)) best = { word: c.candidate!, rank };
    }
    if (!best) return word;
    changed = true;
    return best.word;
  });
  return changed ? { words: corrected, query: corrected.join(' ') } : undefined;
}
