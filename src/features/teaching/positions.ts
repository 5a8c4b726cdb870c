import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { DB } from '../../db/types.ts';

/** Every helper here runs inside the caller's transaction: the parent's lock lasts until it commits. */
type Tx = Transaction<DB>;

/**
 * Ordered children (chapters of a course, lessons of a chapter, questions of a quiz) keep positions 1..n, unique within
 * their parent. Every change locks the parent row first (FOR NO KEY UPDATE: it serialises structure
 * changes without blocking inserts elsewhere that merely reference the parent), so two racing moves
 * run one after the other. Swaps and renumbering are single statements: the position constraints are
 * deferrable, checked at the end of each statement.
 */

export interface Tree {
  table: 'chapter' | 'lesson' | 'quiz_question';
  parentTable: 'course' | 'chapter' | 'quiz';
  parentColumn: 'course_id' | 'chapter_id' | 'quiz_id';
}

export const CHAPTERS: Tree = { table: 'chapter', parentTable: 'course', parentColumn: 'course_id' };
export const LESSONS: Tree = { table: 'lesson', parentTable: 'chapter', parentColumn: 'chapter_id' };
/** A quiz's questions (features/assessments/authoring.ts). */
export const QUESTIONS: Tree = { table: 'quiz_question', parentTable: 'quiz', parentColumn: 'quiz_id' };

export async function lockParent(trx: Tx, tree: Tree, parentId: string): Promise<void> {
  await sql`select 1 from ${sql.table(tree.parentTable)} where id = ${parentId} for no key update`.execute(trx);
}

export async function nextPosition(trx: Tx, tree: Tree, parentId: string): Promise<number> {
  const { rows } = await sql<{ next: number }>`
    select coalesce(max(position), 0)::int + 1 as next from ${sql.table(tree.table)} where ${sql.ref(tree.parentColumn)} = ${parentId}`.execute(trx);
  return rows[0]!.next;
}

/** Closes gaps (after a delete): positions become 1..n in their current order. */
export async function renumber(trx: Tx, tree: Tree, parentId: string): Promise<void> {
  await sql`
    update ${sql.table(tree.table)} as t set position = r.n
    from (select id, row_number() over (order by position, id)::int as n
          from ${sql.table(tree.table)} where ${sql.ref(tree.parentColumn)} = ${parentId}) as r
    where t.id = r.id and t.position <> r.n`.execute(trx);
}

/** Swaps a child with its neighbour above or below; false when it is already first or last. */
export async function move(trx: Tx, tree: Tree, parentId: string, id: string, direction: 'up' | 'down'): Promise<boolean> {
  const { rows } = await sql<{ id: string; position: number }>`
    select id, position from ${sql.table(tree.table)} where ${sql.ref(tree.parentColumn)} = ${parentId} order by position`.execute(trx);
  const index = rows.findIndex((r) => r.id === id);
  const neighbour = rows[direction === 'up' ? index - 1 : index + 1];
  const self = rows[index];
  if (!self || !neighbour) return false;
  await sql`
    update ${sql.table(tree.table)}
    set position = case id when ${self.id}::uuid then ${neighbour.position}::int else ${self.position}::int end
    where id in (${self.id}::uuid, ${neighbour.id}::uuid)`.execute(trx);
  return true;
}
