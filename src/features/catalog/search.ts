/**
 * Turning what a visitor typed into a safe full-text query. Only letters and digits survive, so
 * quotes, tsquery operators (& | ! : * ( )), `%` and `_` can never reach PostgreSQL as syntax; each
 * word becomes a prefix match ("pytho" finds "python"), and all words must match.
 */

export const MAX_QUERY_LENGTH = 200;
const MAX_WORDS = 8;

export function searchWords(q: string): string[] {
  return (q.slice(0, MAX_QUERY_LENGTH).toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_WORDS);
}

/** `to_tsquery` text like `data:* & python:*`, or undefined when nothing searchable is left. */
export function prefixTsQuery(q: string): string | undefined {
  const words = searchWords(q);
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : undefined;
}

/** The words again, joined: what the trigram (typo and partial word) match compares. */
export function plainQuery(q: string): string {
  return searchWords(q).join(' ');
}
