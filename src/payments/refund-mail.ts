import { html } from '../features/accounts/mails.ts';
import { formatAmount } from '../lib/money.ts';
import type { MailMessage } from '../mail/mailer.ts';
import { accessAfterRefund, type RecordedRefund } from './refunds.ts';

/** Tells the student about an admin's refund: how much, for which course, why, and what happens to their access. */
export function refundMail(refund: RecordedRefund, baseUrl: string): MailMessage {
  const amount = formatAmount(refund.amount, refund.currency);
  const lines = [
    `Hello ${refund.student.firstName},`,
    `We refunded ${amount} of your payment for "${refund.course.title}".`,
    `Reason: ${refund.reason}`,
    accessAfterRefund(refund),
    'The money goes back to the card or account you paid with; your bank may take a few days to show it.',
  ];
  const link = refund.enrollmentCancelled
    ? { href: `${baseUrl}/courses/${refund.course.slug}`, label: 'See the course page' }
    : { href: `${baseUrl}/learn/${refund.course.slug}`, label: 'Continue the course' };
  return {
    to: refund.student.email,
    subject: `Your refund of ${amount} for "${refund.course.title}"`,
    text: `${lines.join('\n\n')}\n\n${link.label}: ${link.href}\nYour payments: ${baseUrl}/account/payments\n`,
    html: html(lines, link),
  };
}
