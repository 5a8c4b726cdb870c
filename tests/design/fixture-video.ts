import type { Database } from '../../src/db/database.ts';
import { parseCaptions } from '../../src/features/video/captions.ts';
import { newKey } from '../../src/storage/index.ts';
import { MB, recordVideoState } from '../setup/video-factories.ts';

/**
 * Issue 20: the course's video lesson (fixture-analytics.ts's "Counting stock with a phone camera")
 * with its copies made, as the transcode worker leaves them: a 5-minute video uploaded at 1080p
 * with audio only, small, HD and a poster (the sizes a real one has: the links' text is what
 * stretches a phone), and captions in English and Spanish with their transcripts. The student sees
 * the player, every copy as a link and a download, the tracks and the transcript; the teacher the
 * copies' list, the poster and the captions section. No files are stored (the pages only name the
 * copies; the design walk draws the poster's box from its width and height).
 */


/** Speech every 4 s for the first minute, a new speaker halfway (the transcript's paragraphs). */
function captions(lines: string[]): { vtt: string; transcript: string } {
  const at = (s: number) => `00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000`;
  const parsed = parseCaptions(`WEBVTT\n\n${lines.map((line, i) => `${at(i * 4)} --> ${at(i * 4 + 4)}\n${line}`).join('\n\n')}\n`);
  if (!parsed.ok) throw new Error(`design fixture captions: ${parsed.message}`);
  return { vtt: parsed.vtt, transcript: parsed.transcript };
}

const ENGLISH = [
  '<v Priya>Hold the phone over the shelf, about an arm’s length away.',
  'Count from the left, one row at a time, and say each number out loud.',
  'The camera keeps the picture, so you can count again at home if a number looks wrong.',
  'Type each count into column C of the stock sheet, next to the item’s name.',
  'Anything below the number in column D needs ordering this week.',
  '<v Nia>What if two items look the same on the picture?',
  '<v Priya>Then count them together and write both names in the note column.',
  'Next lesson: turning the counts into an order list with one formula.',
];
const SPANISH = [
  '<v Priya>Sostén el teléfono sobre el estante, a un brazo de distancia.',
  'Cuenta desde la izquierda, una fila a la vez, y di cada número en voz alta.',
  'La cámara guarda la foto: puedes contar otra vez en casa si un número parece mal.',
  'Escribe cada cuenta en la columna C de la hoja de existencias.',
  'Lo que esté por debajo del número de la columna D se pide esta semana.',
  '<v Nia>¿Y si dos artículos se ven iguales en la foto?',
  '<v Priya>Entonces cuéntalos juntos y escribe ambos nombres en la columna de notas.',
  'Próxima lección: convertir las cuentas en una lista de pedidos con una fórmula.',
];

export async function videoRows(db: Database, f: { course: { slug: string }; videoLesson: { id: string } }) {
  const videoKey = newKey('videos', 'mp4');
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('lesson').set({ videoKey }).where('id', '=', f.videoLesson.id).execute();
    // A five-minute 1080p upload's copies.
    await recordVideoState(trx, {
      videoKey,
      lessonId: f.videoLesson.id,
      status: 'Ready',
      sizes: { audio: 1_900_000, small: 13_600_000, hd: 57_400_000, poster: 21_000 },
      row: { sourceBytes: String(187 * MB), durationSeconds: '312', sourceWidth: 1920, sourceHeight: 1080, startedAt: now, finishedAt: now },
    });
    await trx
      .insertInto('lessonCaption')
      .values([
        { lessonId: f.videoLesson.id, language: 'en', label: 'English', ...captions(ENGLISH) },
        { lessonId: f.videoLesson.id, language: 'es', label: 'Español', ...captions(SPANISH) },
      ])
      .execute();
  });
  return {
    paths: {
      videoLesson: `/learn/${f.course.slug}/lessons/${f.videoLesson.id}`,
      videoLessonEditor: `/teach/lessons/${f.videoLesson.id}`,
    },
  };
}
