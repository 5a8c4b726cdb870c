import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';

/**
 * The certificate PDF: one A4 landscape page, text only, in the shipped DejaVu Sans (embedded and
 * subset, so accented and non-Latin letters print as typed). Every text block sits in a box of
 * fixed height, shrinking its font to fit, so a long name or course title never adds a page.
 */

export interface CertificatePdfInput {
  certificateId: string;
  studentName: string;
  courseTitle: string;
  teacherName: string;
  issuedAt: Date;
  verifyUrl: string;
}

const REGULAR = fileURLToPath(new URL('../../../assets/fonts/DejaVuSans.ttf', import.meta.url));
const BOLD = fileURLToPath(new URL('../../../assets/fonts/DejaVuSans-Bold.ttf', import.meta.url));

const INK = '#1f2933';
const MUTED = '#52606d';
const ACCENT = '#1d4e89';

/** "27 November 2026" (in UTC, so the date does not depend on the server's zone). */
export function formatCertificateDate(value: Date | string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(value));
}

export function renderCertificatePdf(input: CertificatePdfInput): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 0,
    compress: true,
    // Straight to our font: the standard Helvetica is never loaded.
    font: REGULAR,
    lang: 'en',
    displayTitle: true,
    info: {
      Title: `Certificate of completion: ${input.courseTitle}`,
      Author: 'Edupeak',
      Subject: `${input.studentName} has completed ${input.courseTitle}. Certificate ID: ${input.certificateId}`,
      Creator: 'Edupeak',
      CreationDate: input.issuedAt,
    },
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);

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

  /** Draws `text` centred in the box at `y` of `boxHeight`, at the largest size from `size` down to `minSize` that fits. */
  const block = (text: string, y: number, boxHeight: number, style: { font: 'regular' | 'bold'; size: number; minSize?: number; color?: string; link?: string }) => {
    doc.font(style.font).fillColor(style.color ?? INK);
    const options = { width: boxWidth, align: 'center' as const, lineGap: 2 };
    let size = style.size;
    while (size > (style.minSize ?? style.size) && doc.fontSize(size).heightOfString(text, options) > boxHeight) size -= 1;
    doc.fontSize(size);
    const textHeight = Math.min(doc.heightOfString(text, options), boxHeight);
    doc.text(text, left, y + (boxHeight - textHeight) / 2, {
      ...options,
      height: boxHeight,
      ellipsis: true,
      ...(style.link ? { link: style.link } : {}),
    });
  };

  block('Edupeak', 70, 22, { font: 'bold', size: 14, color: ACCENT });
  block('Certificate of completion', 100, 46, { font: 'bold', size: 34 });
  block('This certifies that', 168, 22, { font: 'regular', size: 14, color: MUTED });
  block(input.studentName, 194, 62, { font: 'bold', size: 36, minSize: 16 });
  block('has completed the course', 264, 22, { font: 'regular', size: 14, color: MUTED });
  block(input.courseTitle, 290, 66, { font: 'bold', size: 26, minSize: 13 });
  block('taught by', 364, 22, { font: 'regular', size: 14, color: MUTED });
  block(input.teacherName, 388, 30, { font: 'bold', size: 20, minSize: 10 });
  block(formatCertificateDate(input.issuedAt), 436, 24, { font: 'regular', size: 15 });

  doc.lineWidth(0.75).strokeColor(MUTED).moveTo(width / 2 - 90, 478).lineTo(width / 2 + 90, 478).stroke();
  block(`Certificate ID: ${input.certificateId}`, 490, 16, { font: 'regular', size: 10, minSize: 7, color: MUTED });
  block(`Verify at: ${input.verifyUrl}`, 508, 16, { font: 'regular', size: 10, minSize: 6, color: MUTED, link: input.verifyUrl });

  doc.end();
  return done;
}
