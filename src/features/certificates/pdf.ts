import PDFDocument from 'pdfkit';
import { translatorFor } from '../../i18n/translator.ts';
import { drawBlock, type BlockStyle } from './certificate-text.ts';
import { faceFor } from './fonts.ts';

/**
 * The certificate PDF: one A4 landscape page, text only, in the student's language (their
 * user.language when it is issued), the names and the course title in whatever script they are
 * written in (fonts.ts chooses a font per character; certificate-text.ts lays out right-to-left
 * text). Fonts are embedded and subset. Every text block sits in a box of fixed height, shrinking
 * its font to fit, so a long name or course title never adds a page.
 */

export interface CertificatePdfInput {
  certificateId: string;
  studentName: string;
  courseTitle: string;
  teacherName: string;
  issuedAt: Date;
  verifyUrl: string;
  /** The student's language (user.language); English when not chosen. */
  locale?: string | null;
}

const INK = '#1f2933';
const MUTED = '#52606d';
const ACCENT = '#1d4e89';

const longDates = new Map<string, Intl.DateTimeFormat>();

/** "27 November 2026" (in UTC, so the date does not depend on the server's zone), in the language given. */
export function formatCertificateDate(value: Date | string, locale = 'en'): string {
  const tag = locale === 'en' ? 'en-GB' : locale;
  let f = longDates.get(tag);
  if (!f) longDates.set(tag, (f = new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })));
  return f.format(new Date(value));
}

export function renderCertificatePdf(input: CertificatePdfInput): Promise<Buffer> {
  const tr = translatorFor(input.locale);
  const values = { course: input.courseTitle, student: input.studentName, id: input.certificateId };
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 0,
    compress: true,
    // Straight to our font: the standard Helvetica is never loaded.
    font: faceFor(0x41, 'regular').file,
    lang: tr.locale,
    displayTitle: true,
    info: {
      Title: tr.t('Certificate of completion: {course}', values),
      Author: 'Edupeak',
      Subject: tr.t('{student} has completed {course}. Certificate ID: {id}', values),
      Creator: 'Edupeak',
      CreationDate: input.issuedAt,
    },
  });
  const registered = new Set<string>();

  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const { width, height } = doc.page;
  const inset = 28;
  // A double frame: a strong outer line and a hairline inside it.
  doc.lineWidth(3).strokeColor(ACCENT).rect(inset, inset, width - 2 * inset, height - 2 * inset).stroke();
  doc.lineWidth(0.75).rect(inset + 8, inset + 8, width - 2 * (inset + 8), height - 2 * (inset + 8)).stroke();

  const left = 80;
  const boxWidth = width - 2 * left;
  const block = (text: string, y: number, boxHeight: number, style: Omit<BlockStyle, 'weight' | 'color'> & { font: 'regular' | 'bold'; color?: string }) =>
    drawBlock(doc, registered, text, { left, y, width: boxWidth, height: boxHeight }, { ...style, weight: style.font, color: style.color ?? INK });

  block('Edupeak', 70, 22, { font: 'bold', size: 14, color: ACCENT });
  block(tr.t('Certificate of completion'), 100, 46, { font: 'bold', size: 34, minSize: 20 });
  block(tr.t('This certifies that'), 168, 22, { font: 'regular', size: 14, minSize: 10, color: MUTED });
  block(input.studentName, 194, 62, { font: 'bold', size: 36, minSize: 16 });
  block(tr.t('has completed the course'), 264, 22, { font: 'regular', size: 14, minSize: 10, color: MUTED });
  block(input.courseTitle, 290, 66, { font: 'bold', size: 26, minSize: 13 });
  block(tr.t('taught by'), 364, 22, { font: 'regular', size: 14, minSize: 10, color: MUTED });
  block(input.teacherName, 388, 30, { font: 'bold', size: 20, minSize: 10 });
  block(formatCertificateDate(input.issuedAt, tr.locale), 436, 24, { font: 'regular', size: 15 });

  doc.lineWidth(0.75).strokeColor(MUTED).moveTo(width / 2 - 90, 478).lineTo(width / 2 + 90, 478).stroke();
  block(tr.t('Certificate ID: {id}', values), 490, 16, { font: 'regular', size: 10, minSize: 7, color: MUTED });
  block(tr.t('Verify at: {url}', { url: input.verifyUrl }), 508, 16, { font: 'regular', size: 10, minSize: 6, color: MUTED, link: input.verifyUrl });

  doc.end();
  return done;
}
