import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../storage/index.ts';
import { withDerivedKeys } from '../../storage/variants.ts';

/**
 * Points a row's file column at a newly stored file and deletes the file it replaced.
 *
 * The replaced key is read under the row lock, in the transaction that writes the new one, and
 * deleted only after that commit. Reading it earlier (when the page or request began) lost files
 * under parallel replacements: each request deleted the same stale "old" key, and the files of
 * the requests that lost the race were left referenced by nothing, or a row was left pointing at a
 * file another request had just deleted. Here each commit replaces exactly the key it saw, so
 * every file but the last is deleted once, by the request that replaced it.
 */

/** Every column that holds one stored file and is replaced through this module. */
export type FileColumn =
  | { table: 'course'; column: 'fileKey' }
  | { table: 'lesson'; column: 'videoKey' | 'thumbnailKey' }
  | { table: 'user'; column: 'image' };

export interface ReplaceDeps {
  db: Database;
  storage: Storage;
  logger: Logger;
}

/** Writes the audit row inside the transaction; gets the key that is being replaced. */
export type AuditReplacement = (trx: Database, change: { key: string; replaced: string | null }) => Promise<void>;

/**
 * `key` is already in storage. Returns the key it replaced (null if none), or undefined when the
 * row no longer exists (deleted meanwhile): then the new file is deleted too. If the transaction
 * fails, the new file is deleted and the error rethrown; the row still points at its old file.
 */
export async function replaceStoredFile(
  { db, storage, logger }: ReplaceDeps,
  target: FileColumn & { id: string },
  key: string,
  audit?: AuditReplacement,
): Promise<{ replaced: string | null } | undefined> {
  // A key's derived files (the 320 px copy of a course image: storage/variants.ts) go with it.
  const dropNewFile = () =>
    Promise.all(
      withDerivedKeys(key).map((k) => storage.delete(k).catch((err: unknown) => logger.warn({ err, key: k }, 'could not delete an unused stored file'))),
    );
  let outcome: { replaced: string | null } | undefined;
  try {
    outcome = await db.transaction().execute(async (trx) => {
      // The table and column come from the FileColumn union above, not from input; Kysely's
      // types cannot follow a column chosen at run time, hence the untyped view of the same trx.
      const q = trx as unknown as Kysely<Record<string, Record<string, string | null>>>;
      const row = await q.selectFrom(target.table).select(target.column).where('id', '=', target.id).forUpdate().executeTakeFirst();
      if (!row) return undefined;
      const replaced = row[target.column] ?? null;
      await q.updateTable(target.table).set({ [target.column]: key }).where('id', '=', target.id).execute();
      await audit?.(trx, { key, replaced });
      return { replaced };
    });
  } catch (error) {
    await dropNewFile();
    throw error;
  }
  if (!outcome) {
    await dropNewFile();
    return undefined;
  }
  // After the commit: if this delete fails, the file is merely unreferenced, and the orphan
  // collector (jobs/collect-unreferenced-files.ts) removes it later.
  if (outcome.replaced && outcome.replaced !== key) {
    await Promise.all(
      withDerivedKeys(outcome.replaced).map((old) =>
        storage.delete(old).catch((err: unknown) => logger.warn({ err, key: old }, 'could not delete a replaced file')),
      ),
    );
  }
  return outcome;
}
