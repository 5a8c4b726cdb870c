import { html } from '../accounts/mails.ts';
import type { MailMessage } from '../../mail/mailer.ts';
import type { PostRef } from './moderation.ts';

/** Tells the author their post was approved and is on the blog, with the link to it. */
export function approvedMail(post: PostRef, baseUrl: string): MailMessage {
  const lines = [`Hello ${post.author.firstName},`, `Your post "${post.title}" was approved and is published on the Edupeak blog.`];
  const link = { href: `${baseUrl}/blog/${post.slug}`, label: 'Read your post' };
  return {
    to: post.author.email,
    subject: `Published: ${post.title}`,
    text: `${lines.join('\n\n')}\n\n${link.label}: ${link.href}\n`,
    html: html(lines, link),
  };
}

/** Tells the author their post was not accepted: the reason, the refund, and the link to edit and send it back. */
export function rejectedMail(post: PostRef, reason: string, baseUrl: string): MailMessage {
  const lines = [
    `Hello ${post.author.firstName},`,
    `Your post "${post.title}" was not accepted for the blog.`,
    `Reason: ${reason}`,
    'Any points it cost you were refunded. Edit the post and send it back to moderation: sending it again costs nothing.',
  ];
  const link = { href: `${baseUrl}/blog/posts/${post.id}/edit`, label: 'Edit your post' };
  return {
    to: post.author.email,
    subject: `Not accepted: ${post.title}`,
    text: `${lines.join('\n\n')}\n\n${link.label}: ${link.href}\n`,
    html: html(lines, link),
  };
}
