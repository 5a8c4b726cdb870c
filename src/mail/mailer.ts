import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../logger.ts';

/**
 * One interface for mail: SMTP through nodemailer when SMTP_URL is set; otherwise a file outbox,
 * one .eml file per message in DATA_DIR/mail, with its links logged so a developer can click them.
 */

export interface MailMessage {
  to: string;
  subject: string;
  /** The plain-text body: always sent, and all that some readers show. */
  text: string;
  /** A small HTML body (inline styles only, no images). */
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  mailFrom: string;
  dataDir: string;
  logger: Logger;
}

export const outboxDir = (dataDir: string) => path.join(dataDir, 'mail');

export function linksIn(text: string): string[] {
  return text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
}

export function createMailer({ smtpUrl, mailFrom, dataDir, logger }: MailerOptions): Mailer {
  if (smtpUrl) {
    const transport = nodemailer.createTransport(smtpUrl);
    return {
      async send(message) {
        await transport.sendMail({ from: mailFrom, ...message });
        logger.info({ to: message.to, subject: message.subject }, 'mail sent');
      },
    };
  }

  // nodemailer builds the real RFC 822 message; we keep it instead of sending it.
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const folder = outboxDir(dataDir);
  return {
    async send(message) {
      const info = await builder.sendMail({ from: mailFrom, ...message });
      await mkdir(folder, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(folder, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
      await writeFile(file, info.message as Buffer);
      logger.info({ to: message.to, subject: message.subject, file, links: linksIn(message.text) }, 'mail written to the outbox');
    },
  };
}
