/**
 * The demo course's assessments: a short quiz after the first HTML lesson and an assignment on
 * forms, so a newcomer sees both at once (as the teacher on the lesson's edit page, as the student
 * after enrolling in the free course).
 */

export const DEMO_QUIZ = {
  lessonTitle: 'Your first HTML file',
  title: 'Check your HTML',
  points: 10,
  required: true,
  questions: [
    { question: 'Which element holds the main heading of a page?', options: ['<p>', '<h1>', '<title>', '<header>'], correctAnswer: 1 },
    { question: 'What does the browser show for a <title> element?', options: ['The first line of the page', 'The name on the tab and in bookmarks', 'Nothing at all'], correctAnswer: 1 },
    { question: 'Which attribute gives a link its address?', options: ['src', 'href', 'link', 'url'], correctAnswer: 1 },
    { question: 'An HTML file is plain text you can write in any editor.', options: ['True', 'False'], correctAnswer: 0 },
  ],
};

export const DEMO_ASSIGNMENT = {
  lessonTitle: 'Forms that work without JavaScript',
  title: 'Build a contact form',
  description:
    'Write an HTML page with a contact form: a name, an email address and a message, each with a label, and a button that posts the form.\n\nHand in the HTML as a file or pasted as text, or a link to where it is published. Say in a sentence or two how it works with JavaScript turned off.',
  points: 100,
  dueInDays: 14,
};
