import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import { visualText } from '../../src/features/certificates/certificate-text.ts';
import { renderCertificatePdf } from '../../src/features/certificates/pdf.ts';

/**
 * Certificates print names and course titles in any script, in the student's language, and stay
 * small: a font is embedded only when the text needs it, and only the glyphs used.
 */

const base = {
  certificateId: '0b6b2c5e-8f1e-4c5a-9a57-3f1b2c4d5e6f',
  issuedAt: new Date('2026-11-27T10:00:00Z'),
  verifyUrl: 'http://localhost:3000/certificates/0b6b2c5e-8f1e-4c5a-9a57-3f1b2c4d5e6f',
  teacherName: 'Ana Pérez',
};

/** The fonts a PDF embeds, by PostScript name (without the subset tag). */
const fontsOf = (pdf: Buffer) => [...new Set([...pdf.toString('latin1').matchAll(/\/BaseFont \/(?:[A-Z]{6}\+)?([\w-]+)/g)].map((m) => m[1]!))].sort();

async function infoOf(pdf: Buffer) {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    const info = await parser.getInfo();
    const text = await parser.getText();
    return { title: String(info.info?.Title ?? ''), pages: text.total, text: text.text };
  } finally {
    await parser.destroy();
  }
}

describe('certificate fonts', () => {
  it('a Latin certificate embeds DejaVu Sans only, and stays under 25 KB', async () => {
    const pdf = await renderCertificatePdf({ ...base, studentName: 'Zoë Ñandú', courseTitle: 'Web basics on any connection' });
    expect(fontsOf(pdf)).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
    expect(pdf.length).toBeLessThan(25_000);
  });

  it('an Arabic name and title print in Noto Sans Arabic, with the labels in Arabic', async () => {
    const pdf = await renderCertificatePdf({ ...base, locale: 'ar', studentName: 'محمد علي الحسيني', courseTitle: 'أساسيات الويب على أي اتصال' });
    expect(fontsOf(pdf)).toEqual(['DejaVuSans', 'DejaVuSans-Bold', 'NotoSansArabic-Bold', 'NotoSansArabic-Regular']);
    expect(pdf.toString('latin1')).toContain('/Lang (ar)');
    const { title, pages } = await infoOf(pdf);
    expect(pages).toBe(1);
    expect(title).toBe('شهادة إتمام: أساسيات الويب على أي اتصال');
    expect(pdf.length).toBeLessThan(35_000);
  });

  it('Chinese, Korean and Devanagari use only the Noto slices their characters are in', async () => {
    const pdf = await renderCertificatePdf({ ...base, locale: 'es', studentName: '山田 太郎 · 김민준', courseTitle: 'देवनागरी परिचय' });
    const fonts = fontsOf(pdf);
    expect(fonts).toEqual(expect.arrayContaining(['NotoSansSC-Bold', 'NotoSansKR-Bold', 'NotoSansDevanagari-Bold']));
    expect(fonts.some((f) => f.startsWith('NotoSansArabic'))).toBe(false);
    const { title, text } = await infoOf(pdf);
    expect(title).toBe('Certificado de finalización: देवनागरी परिचय');
    expect(text).toContain('Certificado de finalización');
    expect(text).toContain('27 de noviembre de 2026');
    // Subsets: a few dozen glyphs, not the 17,000 of a CJK font.
    expect(pdf.length).toBeLessThan(60_000);
  });

  it('a name too long for its box shrinks, then wraps, and never adds a page', async () => {
    const pdf = await renderCertificatePdf({ ...base, locale: 'ar', studentName: 'عبد الرحمن '.repeat(30), courseTitle: '网络基础'.repeat(60) });
    expect((await infoOf(pdf)).pages).toBe(1);
  });
});

describe('right-to-left lines', () => {
  it.each([
    ['محمد علي', 'علي محمد'],
    // Brackets pair across the embedded English; the year stays at the end of the Arabic sentence.
    ['اتصال (HTML و CSS) 2026', '2026 (CSS و HTML) اتصال'],
    // An identifier of letters and digits keeps its own order.
    ['رقم الشهادة: 0b6b-8f1e', '0b6b-8f1e :الشهادة رقم'],
    ['Curso de عربي para todos', 'Curso de عربي para todos'],
    ['Zoë Ñandú', 'Zoë Ñandú'],
  ])('%s is drawn as %s (left to right)', (text, drawn) => {
    expect(visualText(text)).toBe(drawn);
  });
});
