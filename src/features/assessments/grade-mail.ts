import { html } from '../accounts/mails.ts';
import type { MailMessage } from '../../mail/mailer.ts';
import type { GradedSubmission } from './submissions.ts';

/** Tells the student their assignment was graded: the grade, the feedback, and a link to the lesson. */
export function gradeMail(graded: GradedSubmission, baseUrl: string): MailMessage {
  const lines = [
    `Hello ${graded.student.firstName},`,
    `Your assignment "${graded.assignmentTitle}" in "${graded.course.title}" was graded: ${graded.grade} of ${graded.points} points.`,
    graded.feedback ? `Feedback from your teacher:\n${graded.feedback}` : 'Your teacher left no written feedback this time.',
  ];
  const link = { href: `${baseUrl}/learn/${graded.course.slug}/lessons/${graded.lessonId}#assignment`, label: 'See your grade and feedback' };
  return {
    to: graded.student.email,
    subject: `Graded: ${graded.assignmentTitle}`,
    text: `${lines.join('\n\n')}\n\n${link.label}: ${link.href}\n`,
    html: html(lines, link),
  };
}
