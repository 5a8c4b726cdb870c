import { Router, type Response } from 'express';
import { z } from 'zod';
import { notFound } from '../../http/errors.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { managesCourse } from '../access/course-policy.ts';
import { sendStoredFile } from '../../storage/send.ts';
import { recordCertificateDownload } from '../learning/service.ts';
import { formatCertificateDate } from './pdf.ts';
import { certificateForPage, type CertificateDeps, type CertificateForPage } from './service.ts';

/**
 * GET /certificates/:id: the public verification page (anyone with the link can check a
 * certificate; the id is the enrollment's random uuid). GET /certificates/:id/download: the PDF,
 * only for the student, the course's teacher and admins. Both answer 404 for anything else.
 */

const certificateId = z.uuid();

const NOT_FOUND = msg('We could not find that certificate.');

/** The student themself, the course's teacher, or an admin. */
function mayDownload(res: Response, certificate: CertificateForPage): boolean {
  const user = currentUser(res);
  return !!user && (user.id === certificate.studentId || managesCourse(user, certificate.teacherId));
}

export function certificateRoutes(deps: CertificateDeps): Router {
  const { db, storage } = deps;
  const router = publicRouter(Router());

  async function load(rawId: unknown): Promise<CertificateForPage> {
    const id = certificateId.safeParse(rawId);
    const certificate = id.success ? await certificateForPage(db, id.data.toLowerCase()) : undefined;
    if (!certificate) throw notFound(NOT_FOUND);
    return certificate;
  }

  router.get('/certificates/:id', async (req, res) => {
    const certificate = await load(req.params.id);
    // A revocation must show at once: no cache (browser or shared) may keep a "valid" answer.
    res.setHeader('Cache-Control', 'no-store');
    // Shared by link, not listed by search engines: the page carries the student's name.
    res.setHeader('X-Robots-Tag', 'noindex');
    const tr = translatorOf(res);
    render(res, 'certificates/show', {
      title: tr.t('Certificate: {course}', { course: certificate.courseTitle }),
      description: certificate.revoked ? tr.t('A revoked Edupeak certificate.') : tr.t('A valid Edupeak certificate of completion.'),
      certificate: {
        id: certificate.id,
        studentName: certificate.studentName,
        courseTitle: certificate.courseTitle,
        teacherName: certificate.teacherName,
        revoked: certificate.revoked,
        issuedLabel: certificate.issuedAt ? formatCertificateDate(certificate.issuedAt, tr.locale) : undefined,
        revokedLabel: certificate.revokedAt ? formatCertificateDate(certificate.revokedAt, tr.locale) : undefined,
      },
      canDownload: mayDownload(res, certificate) && certificate.key !== null,
    });
  });

  router.get('/certificates/:id/download', async (req, res) => {
    const certificate = await load(req.params.id);
    // Revoked ones too: the people concerned may still look at what was issued.
    if (!mayDownload(res, certificate) || !certificate.key) throw notFound(NOT_FOUND);
    // The student's own download is learning activity (issue 19); a teacher's or an admin's is not.
    if (currentUser(res)!.id === certificate.studentId) await recordCertificateDownload(db, certificate.id);
    const title = certificate.courseTitle.replace(/[\\/:*?"<>|\x00-\x1f\x7f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120);
    await sendStoredFile(req, res, storage, certificate.key, {
      disposition: 'attachment',
      // Named in the reader's language (the file itself is in its student's: pdf.ts).
      filename: title ? translatorOf(res).t('Edupeak certificate - {title}.pdf', { title }) : translatorOf(res).t('Edupeak certificate.pdf'),
      cacheControl: 'private, no-store',
    });
  });

  return router;
}
