import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { newKey, type Storage } from '../../storage/index.ts';
import { renderCertificatePdf } from './pdf.ts';

/**
 * Course-completion certificates. A certificate is a state of its enrollment (the spec's
 * certificate* fields), so the certificate id IS the enrollment id: a random uuid, unguessable,
 * and the public verification URL is /certificates/<enrollment id>.
 *
 * Deciding *when* a student has earned one (course completed, enrollment active) is the caller's
 * rule; this module only issues, revokes and reads. It is the only writer of the certificate*
 * columns; a revocation and a re-issue by a person write their activity_log row in the same
 * transaction as the change.
 */

export interface CertificateDeps {
  db: Database;
  storage: Storage;
  /** The site's public origin (config.baseUrl): the PDF prints the verification URL under it. */
  baseUrl: string;
  logger: Logger;
}

// Lenient on purpose (any 8-4-4-4-12 hex): anything else would only make PostgreSQL throw.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isCertificateId = (value: string): boolean => UUID.test(value);

export const fullName = (firstName: string, lastName: string | null): string => [firstName, lastName].filter((part) => part && part.trim()).join(' ');

export const verificationUrl = (baseUrl: string, certificateId: string): string => `${baseUrl.replace(/\/+$/, '')}/certificates/${certificateId}`;

/**
 * Issues (or re-issues after a revocation) the certificate of an enrollment: PDF in storage, fields set.
 * A certificate that is already valid is left as it is (its key is returned): calling this twice,
 * or from two requests at once, never makes two PDFs for one enrollment.
 */
export function issueCertificate(deps: CertificateDeps, enrollmentId: string): Promise<{ key: string }> {
  return issue(deps, enrollmentId);
}

/**
 * A revoked certificate issued again by the teacher or an admin (`who`): a new PDF, valid from now,
 * and a `certificate_reissued` audit row. Not ok when the certificate is not revoked (or was never
 * earned). Two at once make one PDF and one audit row: only the call whose update wins logs.
 */
export async function reissueCertificate(deps: CertificateDeps, who: AuditContext, enrollmentId: string): Promise<{ ok: true; key: string } | { ok: false }> {
  if (!isCertificateId(enrollmentId)) return { ok: false };
  const row = await deps.db.selectFrom('enrollment').select(['certificateEarned', 'certificateRevoked']).where('id', '=', enrollmentId).executeTakeFirst();
  if (!row?.certificateEarned || !row.certificateRevoked) return { ok: false };
  return { ok: true, ...(await issue(deps, enrollmentId, who)) };
}

async function issue(deps: CertificateDeps, enrollmentId: string, who?: AuditContext): Promise<{ key: string }> {
  const { db, storage, logger } = deps;
  if (!isCertificateId(enrollmentId)) throw new Error(`issueCertificate: not an enrollment id: ${JSON.stringify(enrollmentId)}`);

  const row = await db
    .selectFrom('enrollment as e')
    .innerJoin('user as s', 's.id', 'e.userId')
    .innerJoin('course as c', 'c.id', 'e.courseId')
    .innerJoin('user as t', 't.id', 'c.userId')
    .where('e.id', '=', enrollmentId)
    .select([
      'e.certificateEarned',
      'e.certificateRevoked',
      'e.certificateKey',
      's.firstName as studentFirstName',
      's.lastName as studentLastName',
      // The certificate is printed in the student's language.
      's.language as studentLanguage',
      'c.title as courseTitle',
      't.firstName as teacherFirstName',
      't.lastName as teacherLastName',
    ])
    .executeTakeFirst();
  if (!row) throw new Error(`issueCertificate: no enrollment ${enrollmentId}`);
  if (row.certificateEarned && !row.certificateRevoked && row.certificateKey) return { key: row.certificateKey };

  const oldKey = row.certificateKey;
  const issuedAt = new Date();
  const pdf = await renderCertificatePdf({
    certificateId: enrollmentId,
    studentName: fullName(row.studentFirstName, row.studentLastName),
    courseTitle: row.courseTitle,
    teacherName: fullName(row.teacherFirstName, row.teacherLastName),
    issuedAt,
    verifyUrl: verificationUrl(deps.baseUrl, enrollmentId),
    locale: row.studentLanguage,
  });
  const key = newKey('certificates', 'pdf');
  await storage.put(key, pdf, { contentType: 'application/pdf', contentLength: pdf.length });

  const dropNewFile = () =>
    storage.delete(key).catch((err: unknown) => logger.warn({ err, key }, 'could not delete an unused certificate PDF'));

  let winner: string;
  try {
    winner = await db.transaction().execute(async (trx) => {
      // Conditional: only if nobody else issued since we read the row. A racing call blocks on the
      // row lock here, then sees the other key and updates nothing.
      const updated = await trx
        .updateTable('enrollment')
        .set({ certificateEarned: true, certificateIssuedAt: issuedAt, certificateKey: key, certificateRevoked: false, certificateRevokedAt: null })
        .where('id', '=', enrollmentId)
        .where('certificateKey', 'is not distinct from', oldKey)
        .returning(['id', 'courseId', 'userId'])
        .executeTakeFirst();
      if (updated) {
        if (who) await auditCertificate(trx, who, 'certificate_reissued', updated);
        return key;
      }
      const current = await trx.selectFrom('enrollment').select('certificateKey').where('id', '=', enrollmentId).executeTakeFirst();
      if (!current?.certificateKey) throw new Error(`issueCertificate: enrollment ${enrollmentId} changed while issuing`);
      return current.certificateKey;
    });
  } catch (error) {
    await dropNewFile();
    throw error;
  }

  if (winner !== key) {
    // Another call won the race: its PDF is the certificate, ours is not referenced anywhere.
    await dropNewFile();
    return { key: winner };
  }
  if (oldKey && oldKey !== key) {
    // A re-issue: the revoked certificate's PDF is replaced (only after the commit, so a failed
    // update never leaves the row pointing at a deleted file).
    await storage.delete(oldKey).catch((err: unknown) => logger.warn({ err, key: oldKey }, 'could not delete a replaced certificate PDF'));
  }
  logger.info({ enrollmentId, key, reissue: Boolean(oldKey) }, 'certificate issued');
  return { key };
}

const auditCertificate = (db: Database, who: AuditContext, action: 'certificate_revoked' | 'certificate_reissued', row: { id: string; courseId: string; userId: string }) =>
  recordActivity(db, who, { action, entityType: 'enrollment', entityId: row.id, metadata: { courseId: row.courseId, studentId: row.userId } });

export type Revocation = 'revoked' | 'already_revoked' | 'none';

/**
 * Revokes an enrollment's certificate, by the teacher or an admin (`who`, kept in the audit row).
 * Conditional, so that two at once revoke once: 'already_revoked' keeps the first revocation (and its
 * date) and logs nothing; 'none' when there is no certificate. The PDF is kept, so a re-issue or an
 * appeal can look at it.
 */
export async function revokeCertificate(db: Database, who: AuditContext, enrollmentId: string): Promise<Revocation> {
  if (!isCertificateId(enrollmentId)) return 'none';
  return db.transaction().execute(async (trx): Promise<Revocation> => {
    const row = await trx
      .updateTable('enrollment')
      .set({ certificateRevoked: true, certificateRevokedAt: new Date() })
      .where('id', '=', enrollmentId)
      .where('certificateEarned', '=', true)
      .where('certificateRevoked', '=', false)
      .returning(['id', 'courseId', 'userId'])
      .executeTakeFirst();
    if (row) {
      await auditCertificate(trx, who, 'certificate_revoked', row);
      return 'revoked';
    }
    const current = await trx.selectFrom('enrollment').select('certificateEarned').where('id', '=', enrollmentId).executeTakeFirst();
    return current?.certificateEarned ? 'already_revoked' : 'none';
  });
}

export interface CertificateForPage {
  /** The certificate id (= the enrollment id). */
  id: string;
  studentId: string;
  studentName: string;
  courseId: string;
  courseTitle: string;
  teacherId: string;
  teacherName: string;
  issuedAt: Date | null;
  revoked: boolean;
  revokedAt: Date | null;
  /** The PDF's storage key (never shown; for the download route). */
  key: string | null;
}

/** The certificate for its verification page, or undefined (malformed id, unknown, or never earned). */
export async function certificateForPage(db: Database, certificateId: string): Promise<CertificateForPage | undefined> {
  if (!isCertificateId(certificateId)) return undefined;
  const row = await db
    .selectFrom('enrollment as e')
    .innerJoin('user as s', 's.id', 'e.userId')
    .innerJoin('course as c', 'c.id', 'e.courseId')
    .innerJoin('user as t', 't.id', 'c.userId')
    .where('e.id', '=', certificateId)
    .where('e.certificateEarned', '=', true)
    .select([
      'e.id',
      'e.userId as studentId',
      's.firstName as studentFirstName',
      's.lastName as studentLastName',
      'c.id as courseId',
      'c.title as courseTitle',
      't.id as teacherId',
      't.firstName as teacherFirstName',
      't.lastName as teacherLastName',
      'e.certificateIssuedAt',
      'e.certificateRevoked',
      'e.certificateRevokedAt',
      'e.certificateKey',
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    studentId: row.studentId,
    studentName: fullName(row.studentFirstName, row.studentLastName),
    courseId: row.courseId,
    courseTitle: row.courseTitle,
    teacherId: row.teacherId,
    teacherName: fullName(row.teacherFirstName, row.teacherLastName),
    issuedAt: row.certificateIssuedAt,
    revoked: row.certificateRevoked,
    revokedAt: row.certificateRevokedAt,
    key: row.certificateKey,
  };
}
