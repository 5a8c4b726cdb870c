import { describe, expect, it } from 'vitest';
import { CAPTION_MAX_CUES, parseCaptions } from '../../src/features/video/captions.ts';

/**
 * Captions as a teacher uploads them: what is refused (with a message a teacher can act on), and
 * what a browser is given instead of the upload (rebuilt, with only WebVTT's own cue markup).
 */

function ok(input: string | Buffer) {
  const result = parseCaptions(input);
  if (!result.ok) throw new Error(`refused: ${result.message}`);
  return result;
}
function refused(input: string | Buffer): string {
  const result = parseCaptions(input);
  if (result.ok) throw new Error(`accepted:\n${result.vtt}`);
  return result.message;
}

/** Every "<...>" of a rebuilt file: only WebVTT cue tags and timestamps may be left. */
function tagsOf(vtt: string): string[] {
  return [...vtt.matchAll(/<[^>]*>/g)].map((m) => m[0]);
}
const CUE_TAG = /^<(?:\/?(?:b|i|u|c|ruby|rt|v|lang)|v [^<>]+|lang [A-Za-z0-9-]+|\d{2}:\d{2}:\d{2}\.\d{3})>$/;

describe('parseCaptions', () => {
  it('rebuilds a plain file with normalised timings and the transcript', () => {
    const result = ok('WEBVTT\n\n00:01.000 --> 00:04.000\nHello and welcome.\n\n00:04.000 --> 00:07.500\nToday: HTML.\n');
    expect(result.vtt).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nHello and welcome.\n\n00:00:04.000 --> 00:00:07.500\nToday: HTML.\n');
    expect(result.transcript).toBe('Hello and welcome. Today: HTML.');
    expect(result.cues).toHaveLength(2);
    expect(result.convertedFromSrt).toBe(false);
  });

  it('accepts a byte order mark, CRLF and CR line ends, and a header with metadata', () => {
    const result = ok('\ufeffWEBVTT - Lesson 1\r\nKind: captions\r\nLanguage: en\r\n\r\n00:00:00.500 --> 00:00:02.000\r\nOne\r\n\r00:00:02.000 --> 00:00:03.000\rTwo\r');
    expect(result.vtt).toBe('WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nOne\n\n00:00:02.000 --> 00:00:03.000\nTwo\n');
  });

  it('drops NOTE, STYLE and REGION blocks and cue identifiers', () => {
    const result = ok(
      'WEBVTT\n\nSTYLE\n::cue { background: url(https://evil.example/x.png) }\n\nREGION\nid:fred width:40%\n\nNOTE written by hand\nover two lines\n\nintro-1\n00:00:01.000 --> 00:00:02.000 region:fred\nHi\n',
    );
    expect(result.vtt).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n');
  });

  it('keeps allowed cue settings with valid values only', () => {
    const result = ok('WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:start line:-1 position:10%,line-left size:50% vertical:rl position:300% align:javascript:x onload:1\nHi\n');
    expect(result.vtt).toContain('00:00:01.000 --> 00:00:02.000 align:start line:-1 position:10%,line-left size:50% vertical:rl\n');
  });

  it('keeps WebVTT cue tags, without classes, and removes everything else', () => {
    const result = ok(
      [
        'WEBVTT',
        '',
        '00:00:01.000 --> 00:00:05.000',
        '<v Ana Lima>Hi <b>bold</b> <i.x>it</i> <u>u</u> <c.yellow.bg_blue>colour</c> <lang pt-BR>olá</lang>',
        '<ruby>漢<rt>kan</rt></ruby> <00:00:02.500>later <00:00:09.000>outside',
      ].join('\n'),
    );
    expect(result.vtt).toContain('<v Ana Lima>Hi <b>bold</b> <i>it</i> <u>u</u> <c>colour</c> <lang pt-BR>olá</lang>\n<ruby>漢<rt>kan</rt></ruby> <00:00:02.500>later outside</v>');
    expect(result.transcript).toBe('Ana Lima: Hi bold it u colour olá 漢 later outside');
  });

  it('makes hostile markup harmless text: scripts, event handlers, htmx attributes, javascript: links', () => {
    const result = ok(
      [
        'WEBVTT',
        '',
        '00:00:01.000 --> 00:00:02.000',
        '<script>alert(1)</script><img src=x onerror=alert(2)><b hx-get="/account" hx-trigger="load">x</b>',
        '<a href="javascript:alert(3)">link</a> <svg onload=alert(4)> <iframe srcdoc="<p>">',
        '',
        '00:00:02.000 --> 00:00:03.000',
        '<v <img src=x>>name</v> &lt;script&gt; &#60;b&#62; &copy; &amp;',
      ].join('\n'),
    );
    for (const tag of tagsOf(result.vtt)) expect(tag).toMatch(CUE_TAG);
    expect(result.vtt).not.toMatch(/script>|onerror|onload|hx-|href|<img|<a |<svg|<iframe/i);
    expect(result.vtt).toContain('<b>x</b>');
    // Entities other than the six allowed are shown as written, never decoded into markup.
    expect(result.vtt).toContain('&lt;script&gt; &amp;#60;b&amp;#62; &amp;copy; &amp;');
    expect(result.transcript).toContain('alert(1)x link');
    expect(result.transcript).toContain('<script> &#60;b&#62; &copy; &');
  });

  it('escapes an arrow inside cue text, so it cannot start a cue of its own', () => {
    const result = ok('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nclick here --> then <there\n');
    expect(result.vtt).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nclick here --&gt; then &lt;there\n');
    expect(result.vtt.match(/-->/g)).toHaveLength(1);
  });

  it('ends a cue at a timing line even without a blank line before it (as browsers do)', () => {
    const result = ok('WEBVTT\n00:00:01.000 --> 00:00:02.000\nOne\n00:00:02.000 --> 00:00:03.000\nTwo\n');
    expect(result.cues.map((c) => c.plain)).toEqual(['One', 'Two']);
  });

  it('says which line has a bad timing, and how to write it', () => {
    const lines = ['WEBVTT', '', ...Array.from({ length: 4 }, (_, i) => [`00:00:0${i}.000 --> 00:00:0${i + 1}.000`, `Cue ${i}`, '']).flat(), '00:01.5 --> 00:03', 'Bad'];
    expect(lines.indexOf('00:01.5 --> 00:03') + 1).toBe(15);
    expect(refused(lines.join('\n'))).toBe("Line 15: the cue timing '00:01.5 --> 00:03' is not valid (use 00:00:01.500, as hours:minutes:seconds.milliseconds).");
    expect(refused('WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nBackwards\n')).toBe('Line 3: the cue ends (00:00:04.000) before it starts (00:00:05.000).');
    expect(refused('WEBVTT\n\n23:59:59.000 --> 24:00:01.000\nLate\n')).toMatch(/^Line 3: the cue ends after 24 hours/);
    expect(refused('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\ntwo paragraphs\n')).toMatch(/^Line 6: a cue timing was expected here/);
  });

  it('refuses what is not WebVTT, pointing at SRT and conversion', () => {
    expect(refused('Hello, these are my captions')).toMatch(/^This is not a WebVTT file \(it must start with WEBVTT\)\. An SRT file .* convert them to WebVTT/);
    expect(refused('<html><script>alert(1)</script></html>')).toMatch(/^This is not a WebVTT file/);
    expect(refused('WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nx')).toMatch(/^This is not a WebVTT file/);
    expect(refused('WEBVTT\n\nNOTE only a note\n')).toMatch(/no cues with text/);
  });

  it('converts SRT: commas in timings, numbers dropped, <font> removed', () => {
    const result = ok('1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hola</i> <font color="#ff0000">mundo</font>\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20 Y1:5 Y2:8\r\nAdiós\r\n');
    expect(result.convertedFromSrt).toBe(true);
    expect(result.vtt).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<i>Hola</i> mundo\n\n00:00:03.000 --> 00:00:04.000\nAdiós\n');
  });

  it('refuses a file that is not UTF-8, and strips control characters', () => {
    const latin1 = Buffer.concat([Buffer.from('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOl'), Buffer.from([0xe1]), Buffer.from('\n')]);
    expect(refused(latin1)).toMatch(/^The captions file is not UTF-8 text/);
    const result = ok(Buffer.from('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\na\u0007b\u001bc\u0000d\n'));
    expect(result.cues[0]!.text).toBe('abc\ufffdd');
  });

  it('refuses a file over 1 MB, and more than 5,000 cues', () => {
    const huge = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n' + 'x'.repeat(1024 * 1024);
    expect(refused(huge)).toBe('The captions file is too large: the limit is 1 MB.');
    const many = ['WEBVTT', ''];
    for (let i = 0; i <= CAPTION_MAX_CUES; i++) many.push(`${formatMs(i * 1000)} --> ${formatMs(i * 1000 + 500)}`, `c${i}`, '');
    expect(refused(many.join('\n'))).toBe('This file has more than 5,000 cues; split the video\'s captions into shorter files.');
    // Escaping can grow a file (every < becomes &lt;): the rebuilt file must fit the limit too.
    const angles = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n' + '<'.repeat(1000 * 1000);
    expect(refused(angles)).toBe('The captions file is too large once checked: the limit is 1 MB.');
  });

  it('parses a long file quickly', () => {
    const lines = ['WEBVTT', ''];
    for (let i = 0; i < CAPTION_MAX_CUES; i++) lines.push(`${formatMs(i * 4000)} --> ${formatMs(i * 4000 + 3500)}`, `<v Speaker ${i % 3}>Sentence number ${i} of the long lesson, with <b>some</b> markup.`, '');
    const started = performance.now();
    const result = ok(lines.join('\n'));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.cues).toHaveLength(CAPTION_MAX_CUES);
    // A pile of tags a million characters deep: refused or accepted, in well under the seconds a quadratic parser takes.
    for (const pile of ['<b>x'.repeat(250_000), '<b>'.repeat(100_000) + '</i>'.repeat(100_000), '<'.repeat(900_000) + '>']) {
      const at = performance.now();
      parseCaptions(`WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${pile}`);
      expect(performance.now() - at).toBeLessThan(3000);
    }
  });

  it('merges repeated lines and breaks paragraphs every ~30 s and at a new speaker', () => {
    const cues = [
      ['00:00:00.000', '00:00:04.000', 'One.'],
      ['00:00:04.000', '00:00:08.000', 'One.'],
      ['00:00:08.000', '00:00:12.000', 'One. Two.'],
      ['00:00:31.000', '00:00:34.000', 'Three.'],
      ['00:00:34.000', '00:00:36.000', '<v Bea>Four &amp; five.'],
      ['00:00:36.000', '00:00:38.000', '<v Bea>Six.'],
      ['00:00:38.000', '00:00:40.000', '<v Ana>Seven.'],
    ];
    const result = ok(['WEBVTT', '', ...cues.flatMap(([a, b, t]) => [`${a} --> ${b}`, t!, ''])].join('\n'));
    expect(result.transcript).toBe('One. Two.\n\nThree.\n\nBea: Four & five. Six.\n\nAna: Seven.');
  });
});

function formatMs(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = (ms / 1000) % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}
