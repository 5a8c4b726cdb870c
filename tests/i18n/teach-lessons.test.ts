import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectNoFormatErrors } from '../setup/i18n.ts';
import { createAssignment, createChapter, createCourse, createLesson, createQuestion, createQuiz } from '../setup/factories.ts';
import { pngImage } from '../setup/media.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The teacher's lesson page in Spanish and Arabic: its sections (video, captions, files, the
 * assignment or quiz, release, details), a refused captions file whose message names its line in
 * the teacher's language, a refused quiz question, the assignment's plurals and the delete
 * confirmations; Arabic right to left.
 */

const es = { 'Accept-Language': 'es' };
const ar = { 'Accept-Language': 'ar' };

describe('lesson and assessment editing in Spanish and Arabic', () => {
  const t = useTestApp();
  expectNoFormatErrors();

  async function lessonOf() {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Cerámica' });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Arcilla' });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Amasado' });
    return { teacher, lesson, page: `/teach/lessons/${lesson.id}` };
  }

  it('Spanish: the sections, a refused captions file with its line, the assignment with plurals, its delete confirmation', async () => {
    const { teacher, lesson, page } = await lessonOf();
    const empty = await teacher.agent.get(page).set(es).expect(200);
    expect(empty.text).toContain('<html lang="es" dir="ltr">');
    expect(empty.text).toContain('<h2 id="video-title">Vídeo</h2>');
    expect(empty.text).toContain('Todavía no hay vídeo.');
    expect(empty.text).toContain('<h2 id="captions-title">Subtítulos</h2>');
    expect(empty.text).toContain('Archivo WebVTT (.vtt) o SRT (.srt), UTF-8, de 1 MB como máximo');
    expect(empty.text).toContain('<h2 id="assessment-title">Tarea o cuestionario</h2>');
    expect(empty.text).toContain('<summary>Añadir un cuestionario</summary>');
    expect(empty.text).toContain('<button type="submit" class="button">Guardar la lección</button>');
    expect(empty.text).toContain('Capítulo: Arcilla');

    // A cue timing typed by hand: refused at the field, its line named, in Spanish.
    const refused = await teacher.agent
      .post(`${page}/captions?_csrf=${encodeURIComponent(teacher.csrf)}`)
      .set(es)
      .field('language', 'es')
      .field('label', 'Castellano')
      .attach('captions', Buffer.from('WEBVTT\n\n00:01.5 --> 00:03\nHola.\n'), { filename: 'c.vtt', contentType: 'text/vtt' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Línea 3: el tiempo del subtítulo «00:01.5 --&gt; 00:03» no es válido (usa 00:00:01.500, en horas:minutos:segundos.milisegundos).');
    expect(refused.text).toContain('value="Castellano"');
    expect(refused.text).toContain('Corrige esto:');

    // A picture sent as the video: refused in Spanish, the accepted formats named.
    const notVideo = await teacher.agent
      .post(`${page}/video?_csrf=${encodeURIComponent(teacher.csrf)}`)
      .set(es)
      .attach('video', await pngImage(), { filename: 'clase.mp4', contentType: 'video/mp4' });
    expect(notVideo.status).toBe(422);
    expect(notVideo.text).toContain('Ese archivo no es un vídeo que aceptemos (MP4 or WebM).');

    // An accepted one: the flash with its plural.
    await teacher.agent
      .post(`${page}/captions?_csrf=${encodeURIComponent(teacher.csrf)}`)
      .field('language', 'es')
      .attach('captions', Buffer.from('WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHola.\n\n00:00:02.000 --> 00:00:04.000\nAdiós.\n'), { filename: 'c.vtt', contentType: 'text/vtt' })
      .expect(303);
    const withCaptions = await teacher.agent.get(page).set(es).expect(200);
    expect(withCaptions.text).toContain('Se guardaron los subtítulos en Español (2 subtítulos).');
    expect(withCaptions.text).toContain('· 2 subtítulos ·');

    const assignment = await createAssignment(t.db, { lessonId: lesson.id, title: 'Un cuenco', points: 1 });
    const withAssignment = await teacher.agent.get(page).set(es).expect(200);
    expect(withAssignment.text).toContain('<h3>Tarea: Un cuenco</h3>');
    expect(withAssignment.text).toContain('1 punto · sin fecha de entrega · 0 entregas');
    const refusedPoints = await teacher.post(`/teach/assignments/${assignment.id}`, { title: 'Un cuenco', points: 'mil' }).set(es);
    expect(refusedPoints.status).toBe(422);
    expect(refusedPoints.text).toContain('Escribe los puntos como un número entero de 1 a 1000.');

    const confirm = await teacher.agent.get(`/teach/assignments/${assignment.id}/delete`).set(es).expect(200);
    expect(confirm.text).toContain('<h1>¿Borrar la tarea «Un cuenco»?</h1>');
    expect(confirm.text).toContain('Ningún estudiante la ha entregado todavía.');
  });

  it('Spanish: a quiz with its questions, a refused question; Arabic: the page right to left with its plurals', async () => {
    const { teacher, lesson, page } = await lessonOf();
    const quiz = await createQuiz(t.db, { lessonId: lesson.id, title: 'Repaso', points: 10 });
    await createQuestion(t.db, { quizId: quiz.id, question: '¿Cuánta agua?', options: ['Poca', 'Mucha'], correctAnswer: 0 });
    await createQuestion(t.db, { quizId: quiz.id, question: '¿Cuánto tiempo?', options: ['Un día', 'Una semana'], correctAnswer: 1 });

    const spanish = await teacher.agent.get(page).set(es).expect(200);
    expect(spanish.text).toContain('<h3>Cuestionario: Repaso</h3>');
    expect(spanish.text).toContain('<h3>Preguntas (2)</h3>');
    expect(spanish.text).toContain('<span class="muted">(correcta)</span>');
    expect(spanish.text).toContain('Subir<span class="sr-only"> la pregunta 2</span>');

    const refused = await teacher.post(`/teach/quizzes/${quiz.id}/questions`, { question: '', correctAnswer: '0' }).set(es);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('La pregunta es obligatoria.');
    expect(refused.text).toContain('Rellena de 2 a 6 opciones.');

    const confirm = await teacher.agent.get(`/teach/quizzes/${quiz.id}/delete`).set(es).expect(200);
    expect(confirm.text).toContain('También se borrarán sus 2 preguntas; ningún estudiante lo ha hecho todavía.');

    const arabic = await teacher.agent.get(page).set(ar).expect(200);
    expect(arabic.text).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.text).toContain('<h2 id="video-title">الفيديو</h2>');
    expect(arabic.text).toContain('<h3>الاختبار: Repaso</h3>');
    expect(arabic.text).toContain('لا يوجد فيديو بعد.');
    const question = await teacher.agent.get(`/teach/questions/${(await t.db.selectFrom('quizQuestion').select('id').where('quizId', '=', quiz.id).orderBy('position').executeTakeFirstOrThrow()).id}`).set(ar).expect(200);
    expect(question.text).toContain('<title>السؤال 1');
    expect(question.text).toContain('احفظ السؤال');
  });
});
