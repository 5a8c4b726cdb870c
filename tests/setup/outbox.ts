import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { linksIn, outboxDir } from '../../src/mail/mailer.ts';

export interface OutboxMail {
  file: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  links: string[];
}

/** Every message in DATA_DIR/mail, oldest first. */
export async function readOutbox(dataDir: string): Promise<OutboxMail[]> {
  let files: string[];
  try {
    files = readdirSync(outboxDir(dataDir)).filter((f) => f.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  return Promise.all(
    files.map(async (name) => {
      const file = path.join(outboxDir(dataDir), name);
      const mail = await simpleParser(readFileSync(file));
      const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
      const text = mail.text ?? '';
      return { file, to, subject: mail.subject ?? '', text, html: typeof mail.html === 'string' ? mail.html : '', links: linksIn(text) };
    }),
  );
}

/** The newest message to `email`; throws when there is none. */
export async function lastMailTo(dataDir: string, email: string): Promise<OutboxMail> {
  const mails = (await readOutbox(dataDir)).filter((m) => m.to.toLowerCase().includes(email.toLowerCase()));
  const mail = mails.at(-1);
  if (!mail) throw new Error(`no mail to ${email} in the outbox`);
  return mail;
}

/** The path and query of the first link in a mail that goes to `pathPrefix`. */
export function linkPath(mail: OutboxMail, pathPrefix: string): string {
  for (const link of mail.links) {
    const url = new URL(link);
    if (url.pathname.startsWith(pathPrefix)) return url.pathname + url.search;
  }
  throw new Error(`no ${pathPrefix} link in "${mail.subject}"`);
}

/** The newest message to `email`, waiting for it: some mails are sent after the answer (so that a
 * known address answers as fast as an unknown one). */
export async function waitForMailTo(dataDir: string, email: string, subject?: string): Promise<OutboxMail> {
  for (let i = 0; i < 100; i++) {
    const mail = await lastMailTo(dataDir, email).catch(() => undefined);
    if (mail && (!subject || mail.subject === subject)) return mail;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${email}${subject ? ` with the subject "${subject}"` : ''}`);
}
