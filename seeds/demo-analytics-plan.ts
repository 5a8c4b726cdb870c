/**
 * What the demo's learners did, for seeds/demo-analytics.ts: who enrolled in which demo course
 * when, which lessons they completed when, their quiz attempts, assignments, refunds and ratings.
 * Written out by hand so the teacher's charts tell a story (in "Web Basics" 12 start, 2 reach the
 * last lesson: the drop-off is at lessons 3 to 5) and the leaderboards have a winner and a tie.
 *
 * Moments are relative to when the demo is seeded: days ago (fractions allowed), or a share of
 * this week (Monday 00:00 UTC to now) or of last week, so this week's and last week's leaderboards
 * have the same people on any day of the week. Everything else is at least 14 days ago, before
 * last week whatever the day. The demo student's recent moments are days (`week` and `day`): this
 * week's on one of the last five days, last week's 6 or more days ago, so their current streak is
 * today and the four days before (SAM_DAYS), on any day of the week.
 */

export type When =
  | number
  | { thisWeek: number }
  | { lastWeek: number }
  /** This week: `day` days ago, or today if the week is younger. Last week: its last day, or 6 days ago if that is later, and `day` more. */
  | { week: 'this' | 'last'; day: number; minutesBefore: number };
export type CourseKey = 'web' | 'sheets' | 'data';

export const DEMO_COURSE_SLUGS: Record<CourseKey, string> = {
  web: 'web-basics-on-any-connection',
  sheets: 'practical-spreadsheets-for-small-business',
  data: 'data-analysis-with-python',
};

/** Lessons (1-based, in course order) that get the demo video when the seed has storage. */
export const VIDEO_LESSONS: Record<CourseKey, number[]> = { web: [1, 2, 3, 5], sheets: [1, 2], data: [] };

/** The demo's learners (besides student@example.com, "sam"); all sign in with the demo password. */
export const DEMO_LEARNERS = [
  { key: 'maria', firstName: 'Maria', lastName: 'Garcia' },
  { key: 'kwame', firstName: 'Kwame', lastName: 'Mensah' },
  { key: 'aiko', firstName: 'Aiko', lastName: 'Tanaka' },
  { key: 'liam', firstName: 'Liam', lastName: 'Byrne' },
  { key: 'chen', firstName: 'Chen', lastName: 'Wei' },
  { key: 'fatima', firstName: 'Fatima', lastName: 'Zahra' },
  { key: 'lucas', firstName: 'Lucas', lastName: 'Silva' },
  { key: 'amara', firstName: 'Amara', lastName: 'Okafor' },
  { key: 'noah', firstName: 'Noah', lastName: 'Fischer' },
  { key: 'sofia', firstName: 'Sofia', lastName: 'Rossi' },
  // Keeps their name off /leaderboard (the profile's opt-out): their points count, their name is not shown.
  { key: 'omar', firstName: 'Omar', lastName: 'Haddad', leaderboardOptOut: true },
  // Applied to teach and was approved: a teacher now, with no course yet.
  { key: 'priya', firstName: 'Priya', lastName: 'Sharma', role: 'teacher' as const },
] as const;

export type LearnerKey = (typeof DEMO_LEARNERS)[number]['key'];
export type Who = 'sam' | LearnerKey;
export const learnerEmail = (l: { firstName: string; lastName: string }) => `${l.firstName}.${l.lastName}@example.com`.toLowerCase();

export interface Plan {
  who: Who;
  course: CourseKey;
  enrolled: When;
  /** Lessons completed, and when. */
  done: Array<[lesson: number, when: When]>;
  /** Attempts at the course's quiz (Web Basics: lesson 2, required, pass mark 60), in order. */
  quiz?: Array<[score: 50 | 75 | 100, when: When]>;
  /** The course's assignment (Web Basics: lesson 4) handed in, and its grade out of 100 (null: waiting). */
  assignment?: [when: When, grade: number | null, feedback?: string];
  /** A refund by an admin: some cents (the payment stays Completed) or all of it (Refunded, Cancelled). */
  refund?: { cents: number | 'all'; when: When; reason: string };
  rating?: [stars: 1 | 2 | 3 | 4 | 5, comment: string | null];
}

const last = (share: number) => ({ lastWeek: share });
const now = (share: number) => ({ thisWeek: share });
const thisDay = (day: number, minutesBefore: number) => ({ week: 'this' as const, day, minutesBefore });
const lastDay = (day: number, minutesBefore: number) => ({ week: 'last' as const, day, minutesBefore });

export const PLANS: Plan[] = [
  // Web Basics (free): 12 start, 11 pass the quiz of lesson 2, 9 reach lesson 3, 7 lesson 4, 5, 3, 2.
  {
    who: 'sam', course: 'web', enrolled: 84, done: [[1, 83], [2, 70], [3, 55], [4, 33], [5, lastDay(1, 30)]],
    quiz: [[75, 70], [100, thisDay(1, 60)]], assignment: [33.2, 88, 'A tidy form: every field has its label. Add a required attribute to the email field next time.'],
    rating: [5, 'Short lessons that load even on the bus. The quiz made me read the lesson again.'],
  },
  { who: 'maria', course: 'web', enrolled: 76, done: [[1, 75], [2, 66], [3, 50], [4, 35], [5, 24], [6, 16]], quiz: [[100, 66]], assignment: [35.1, 92], rating: [5, null] },
  { who: 'kwame', course: 'web', enrolled: 70, done: [[1, 69], [2, 60], [3, 48], [4, 36], [5, 27], [6, 18]], quiz: [[75, 60]], assignment: [36.1, 78], rating: [4, 'Clear, and the cheat sheet is handy.'] },
  { who: 'aiko', course: 'web', enrolled: 64, done: [[1, 63], [2, 57], [3, 46], [4, 37], [5, 29], [7, 21]], quiz: [[100, 57]], assignment: [37.1, 85], rating: [4, null] },
  { who: 'liam', course: 'web', enrolled: 58, done: [[1, 57], [2, 50], [3, 42], [4, 33], [6, 25], [7, 17]], quiz: [[75, 50]], assignment: [33.1, 64], rating: [3, 'Good, but I wanted more on CSS.'] },
  { who: 'chen', course: 'web', enrolled: 52, done: [[1, 51], [2, 45], [3, 38], [4, 30], [5, 22]], quiz: [[50, 45.5], [75, 45]], assignment: [30.1, null], rating: [5, null] },
  { who: 'fatima', course: 'web', enrolled: 45, done: [[1, 44], [2, 40], [3, 33], [4, 26]], quiz: [[100, 40]], assignment: [26.1, null], rating: [4, null] },
  { who: 'lucas', course: 'web', enrolled: 38, done: [[1, 37], [2, now(0.5)], [3, now(0.55)]], quiz: [[75, now(0.5)]], rating: [2, 'Too basic for me.'] },
  { who: 'amara', course: 'web', enrolled: 31, done: [[1, 30], [2, 27], [3, 22]], quiz: [[75, 27]], rating: [3, null] },
  { who: 'noah', course: 'web', enrolled: 20, done: [[1, 19], [2, last(0.6)]], quiz: [[75, last(0.6)]], rating: [4, null] },
  { who: 'sofia', course: 'web', enrolled: now(0.1), done: [[1, now(0.2)], [2, now(0.6)]], quiz: [[100, now(0.6)]] },
  { who: 'omar', course: 'web', enrolled: 9.5, done: [[1, now(0.5)]], quiz: [[50, now(0.7)]], rating: [1, 'The quiz is too hard.'] },

  // Spreadsheets ($19.99): 7 paid, one given $5.00 back.
  { who: 'sam', course: 'sheets', enrolled: 60, done: [[1, 58], [2, 41], [3, thisDay(0, 30)]], rating: [4, null] },
  { who: 'maria', course: 'sheets', enrolled: 50, done: [[1, 49], [2, 38], [3, 28], [4, 19]], rating: [4, null] },
  { who: 'kwame', course: 'sheets', enrolled: last(0.1), done: [[1, last(0.35)], [2, now(0.3)], [3, now(0.45)], [5, now(0.65)]], rating: [5, 'The sales log alone was worth it.'] },
  { who: 'chen', course: 'sheets', enrolled: last(0.2), done: [[1, last(0.5)], [2, last(0.8)], [3, now(0.35)], [4, now(0.75)]] },
  {
    who: 'lucas', course: 'sheets', enrolled: 40, done: [[1, 39], [2, 30]], rating: [2, null],
    refund: { cents: 500, when: 24, reason: 'Goodwill: the sales log template would not open on their phone.' },
  },
  { who: 'noah', course: 'sheets', enrolled: now(0.15), done: [[1, now(0.3)], [2, now(0.8)]] },
  { who: 'sofia', course: 'sheets', enrolled: 16, done: [[1, 15]] },

  // Data Analysis ($34.00): 5 paid, one refunded in full (Cancelled). Not the demo student, who can
  // still buy it through the test checkout (README, "Things to try").
  { who: 'maria', course: 'data', enrolled: 35, done: [[1, 34], [2, 27], [3, 20], [4, last(0.2)]], rating: [4, null] },
  { who: 'aiko', course: 'data', enrolled: 28, done: [[1, 27], [2, 21], [3, 15]], rating: [5, 'Finally pandas makes sense.'] },
  { who: 'liam', course: 'data', enrolled: 22, done: [[1, 21], [2, 16]], rating: [3, null] },
  { who: 'fatima', course: 'data', enrolled: now(0.05), done: [[1, now(0.25)]] },
  { who: 'amara', course: 'data', enrolled: 30, done: [], refund: { cents: 'all', when: 28, reason: 'Bought the wrong course by mistake.' } },
];

/**
 * The demo student's other days of learning (lessons opened) over the last 12 weeks, for the
 * dashboard's calendar; with days 0 to 4 (today and the four before) a current streak. Each is
 * [days ago, lessons opened that day].
 */
export const SAM_DAYS: Array<[daysAgo: number, lessons: number]> = [
  [0, 2], [1, 1], [2, 3], [3, 1], [4, 2],
  [16, 1], [17, 2], [20, 1], [23, 1], [24, 2], [27, 1], [31, 3], [34, 1], [38, 1], [41, 2], [44, 1], [45, 1],
  [48, 2], [52, 1], [56, 1], [59, 2], [62, 1], [66, 1], [69, 2], [73, 1], [77, 1], [80, 2],
];

/** The demo student's seven-day streak badge (25 points), last week: lessons opened on each of the 7 days up to it. */
export const SAM_STREAK_BADGE = lastDay(0, 20);

/** Teacher applications in every state (the admin's funnel). */
export const APPLICATIONS: Array<{ who: LearnerKey; status: 'Pending' | 'Approved' | 'Rejected'; sent: number; reviewed?: number; reason?: string; subjects: string }> = [
  { who: 'priya', status: 'Approved', sent: 30, reviewed: 27, subjects: 'Excel for shop owners, bookkeeping' },
  { who: 'omar', status: 'Rejected', sent: 41, reviewed: 38, reason: 'Please add a sample lesson (a link to a video or a written lesson) and apply again.', subjects: 'Football tactics' },
  { who: 'noah', status: 'Pending', sent: 9, subjects: 'German for beginners' },
  { who: 'sofia', status: 'Pending', sent: 2, subjects: 'Italian cooking on a budget' },
];

/** Catalog searches over the 12 weeks: [query, results, clicked slug key or null, days ago]. */
export const SEARCHES: Array<[query: string, results: number, clicked: CourseKey | null, daysAgo: number]> = [
  ['html', 1, 'web', 80], ['html', 1, 'web', 71], ['html', 1, null, 64], ['css', 1, 'web', 58], ['html', 1, 'web', 50],
  ['spreadsheet', 1, 'sheets', 61], ['spreadsheet', 1, null, 49], ['excel', 0, null, 47], ['excel', 0, null, 33], ['excel', 0, null, 19],
  ['pandas', 1, 'data', 36], ['data analysis', 1, 'data', 29], ['data analysis', 1, null, 22], ['wordpress', 0, null, 44],
  ['wordpress', 0, null, 15], ['photoshop', 0, null, 26], ['css', 1, 'web', 18], ['html forms', 1, 'web', 14], ['sales log', 1, 'sheets', 13],
  ['accounting', 0, null, 11], ['css grid', 1, null, 8], ['html', 1, 'web', 5], ['spreadsheet', 1, 'sheets', 3], ['javascript', 0, null, 2],
];
