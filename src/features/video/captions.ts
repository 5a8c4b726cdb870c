import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type MessageValues } from '../../i18n/translator.ts';

/**
 * A teacher's captions (WebVTT, or SRT converted to it): parsed, checked and REBUILT from the
 * parsed cues, never stored as uploaded. What a browser later reads (the player's <track>, the
 * offline copy) is our own output: a "WEBVTT" header, cues with normalised timings, cue settings
 * from an allow-list with checked values, and cue text reduced to WebVTT's own cue tags with every
 * other `<`, `>` and `&` escaped (so no HTML, no `hx-*` attribute, no stray "-->" gets through).
 * NOTE, STYLE and REGION blocks are dropped (STYLE is CSS, which we do not take from uploads).
 *
 * Alongside it, the transcript the lesson page shows under the video: the cues' plain text,
 * repeated lines merged (roll-up captions repeat the previous line), in paragraphs every ~30 s
 * or when the speaker changes, separated by blank lines (lesson-player.ts splits on them).
 *
 * No HTTP here: the caption routes (caption-routes.ts) and the demo seed call parseCaptions.
 */

export const CAPTION_MAX_BYTES = 1024 * 1024;
export const CAPTION_MAX_CUES = 5000;
const DAY_MS = 24 * 3600 * 1000;
/** A new transcript paragraph after this much speech, at the next cue. */
const PARAGRAPH_MS = 30_000;

export interface Cue {
  startMs: number;
  endMs: number;
  /** Allowed settings, checked, space-separated ("" when none). */
  settings: string;
  /** Sanitised cue text: WebVTT cue tags from the allow-list and the six entities only. */
  text: string;
  /** The first <v Speaker> of the cue, if any (for the transcript's paragraphs). */
  speaker: string | undefined;
  /** The cue's plain text: tags removed, entities decoded, whitespace collapsed. */
  plain: string;
}

export type CaptionResult =
  | { ok: true; vtt: string; transcript: string; cues: Cue[]; convertedFromSrt: boolean }
  /** `message`: in English (logs, tests); `error`: the catalogue message and its values, for the page in the teacher's language. */
  | { ok: false; message: string; error: { message: string; values?: MessageValues } };

const english = translatorFor('en');
const fail = (message: string, values?: MessageValues): CaptionResult => ({ ok: false, message: english.t(message, values), error: { message, values } });

// ---------------------------------------------------------------------------------------------
// Timestamps

/** WebVTT: [hh:]mm:ss.ttt, hours at least two digits when present; SRT uses a comma. */
const TIMESTAMP = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)[.](\d{3})$/;
const SRT_TIMESTAMP = /^(?:(\d{1,}):)?([0-5]\d):([0-5]\d)[.,](\d{3})$/;

function parseTimestamp(value: string, srt: boolean): number | undefined {
  const m = (srt ? SRT_TIMESTAMP : TIMESTAMP).exec(value);
  if (!m) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
}

/** A reading of a sloppy time ("00:01.5", "1:02,3", "00:03") for the suggestion in a message. */
function looseTimestamp(value: string): number | undefined {
  const m = /^(?:(\d{1,2}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$/.exec(value) ?? /^(\d{1,2})()()[.,](\d{1,3})$/.exec(value);
  if (!m) return undefined;
  const fraction = m[4] ? Number(m[4].padEnd(3, '0')) : 0;
  return ((Number(m[1] || 0) * 60 + Number(m[2] || 0)) * 60 + Number(m[3] || 0)) * 1000 + fraction;
}

export function formatTimestamp(ms: number): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

// ---------------------------------------------------------------------------------------------
// Cue settings (WebVTT "cue settings list"): anything not on the list, or with a bad value, goes.

const PERCENT = /^(\d{1,3}(?:\.\d+)?)%$/;
const isPercent = (v: string) => {
  const m = PERCENT.exec(v);
  return m !== null && Number(m[1]) <= 100;
};
const SETTINGS: Record<string, (value: string) => boolean> = {
  vertical: (v) => v === 'rl' || v === 'lr',
  line: (v) => {
    const [at, align, ...rest] = v.split(',');
    return rest.length === 0 && (/^-?\d{1,4}$/.test(at!) || isPercent(at!)) && (align === undefined || ['start', 'center', 'end'].includes(align));
  },
  position: (v) => {
    const [at, align, ...rest] = v.split(',');
    return rest.length === 0 && isPercent(at!) && (align === undefined || ['line-left', 'center', 'line-right', 'auto'].includes(align));
  },
  size: isPercent,
  align: (v) => ['start', 'center', 'end', 'left', 'right'].includes(v),
};

function cleanSettings(raw: string): string {
  const kept = new Map<string, string>();
  for (const token of raw.split(/[ \t]+/)) {
    const colon = token.indexOf(':');
    if (colon <= 0) continue;
    const name = token.slice(0, colon);
    const value = token.slice(colon + 1);
    if (Object.hasOwn(SETTINGS, name) && SETTINGS[name]!(value)) kept.set(name, value);
  }
  return [...kept].map(([name, value]) => `${name}:${value}`).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Cue text: WebVTT's tokens (text, start tag, end tag, timestamp), rebuilt from an allow-list.

const ALLOWED_TAGS = new Set(['b', 'i', 'u', 'c', 'v', 'lang', 'ruby', 'rt']);
/** The entities kept as entities; any other `&` is shown as itself (escaped to &amp;). */
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', lrm: '\u200e', rlm: '\u200f', nbsp: '\u00a0' };
const MAX_NESTING = 8;
const BCP47 = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

function decodeEntities(text: string): string {
  return text.replace(/&([a-z]+);/g, (whole, name: string) => (Object.hasOwn(ENTITIES, name) ? ENTITIES[name]! : whole));
}

function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\u200e/g, '&lrm;')
    .replace(/\u200f/g, '&rlm;')
    .replace(/\u00a0/g, '&nbsp;');
}

/** C0 and C1 controls other than tab and line feed, and U+FFFE/FFFF: never meaningful in a caption. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/g;

/** A speaker's name or a tag annotation: plain text, one line, no more than 100 characters. */
function cleanAnnotation(raw: string): string {
  return decodeEntities(raw).replace(/\s+/g, ' ').trim().slice(0, 100);
}

function sanitiseCueText(raw: string, cue: { startMs: number; endMs: number }): { text: string; plain: string; speaker: string | undefined } {
  let out = '';
  const plainParts: string[] = [];
  const open: string[] = [];
  let speaker: string | undefined;
  let inRt = 0;
  let nextGt = 0;
  let nextNewline = 0;
  let i = 0;
  while (i < raw.length) {
    const lt = raw.indexOf('<', i);
    const textEnd = lt === -1 ? raw.length : lt;
    if (textEnd > i) {
      const text = decodeEntities(raw.slice(i, textEnd));
      out += escapeText(text);
      if (inRt === 0) plainParts.push(text);
      i = textEnd;
      continue;
    }
    // The next ">" and line end, looked up again only once passed: a line of a million "<" stays linear.
    if (nextGt !== -1 && nextGt <= lt) nextGt = raw.indexOf('>', lt + 1);
    if (nextNewline !== -1 && nextNewline <= lt) nextNewline = raw.indexOf('\n', lt + 1);
    const gt = nextGt;
    // A "<" with no ">" after it on the line is text, as a browser would show it.
    if (gt === -1 || (nextNewline !== -1 && nextNewline < gt)) {
      out += '&lt;';
      if (inRt === 0) plainParts.push('<');
      i = lt + 1;
      continue;
    }
    const tag = raw.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).split('.')[0]!.trim();
      const at = open.lastIndexOf(name);
      if (at === -1) continue;
      while (open.length > at) {
        const closed = open.pop()!;
        if (closed === 'rt') inRt--;
        out += `</${closed}>`;
      }
      continue;
    }
    if (/^[\d:.]+$/.test(tag)) {
      // A karaoke timestamp: kept when valid and inside the cue.
      const ms = parseTimestamp(tag, false);
      if (ms !== undefined && ms > cue.startMs && ms < cue.endMs) out += `<${formatTimestamp(ms)}>`;
      continue;
    }
    const space = tag.search(/[ \t\n]/);
    const head = space === -1 ? tag : tag.slice(0, space);
    const annotation = space === -1 ? '' : cleanAnnotation(tag.slice(space + 1));
    const name = head.split('.')[0]!;
    if (!ALLOWED_TAGS.has(name)) continue; // <script>, <img onerror=...>, <font>, <br>: gone, their text stays text
    if (open.length >= MAX_NESTING) continue; // no caption needs more; a deeper pile is an attack on the parser
    if (name === 'rt' && open.at(-1) !== 'ruby') continue;
    if (name === 'v') {
      if (!annotation) continue;
      speaker ??= annotation;
      out += `<v ${escapeText(annotation)}>`;
    } else if (name === 'lang') {
      if (!BCP47.test(annotation)) continue;
      out += `<lang ${annotation}>`;
    } else {
      // Classes (<c.yellow>) would reach the page's CSS through ::cue(.yellow): dropped.
      out += `<${name}>`;
    }
    open.push(name);
    if (name === 'rt') inRt++;
  }
  while (open.length) out += `</${open.pop()}>`;
  const plain = plainParts.join('').replace(/\s+/g, ' ').trim();
  return { text: out, plain, speaker };
}

// ---------------------------------------------------------------------------------------------
// The file

const SRT_TIMING = /^\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s+-->/;
/** A line that means to be a timing line (a time-like start, then "-->"), as opposed to text with an arrow in it. */
const TIMING_LIKE = /^\s*[\d:.,]+\s*-->/;

function decodeUtf8(input: Buffer | string): string | undefined {
  if (typeof input === 'string') return input;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return undefined;
  }
}

/**
 * Parses, checks and rebuilds captions. `input` is the uploaded file (bytes: it must be UTF-8) or
 * a string. SRT (a number line, then "00:00:01,000 --> ...") is accepted and converted.
 */
export function parseCaptions(input: Buffer | string): CaptionResult {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > CAPTION_MAX_BYTES) return fail(msg('The captions file is too large: the limit is 1 MB.'));
  const decoded = decodeUtf8(input);
  if (decoded === undefined) return fail(msg('The captions file is not UTF-8 text. Save it as UTF-8 (most subtitle editors offer it) and upload it again.'));
  const text = decoded.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n').replace(/\u0000/g, '\ufffd');
  const lines = text.split('\n');

  let srt = false;
  let first = 0;
  if (/^WEBVTT(?:[ \t].*)?$/.test(lines[0]!)) {
    // The header block (WEBVTT line and any header lines) ends at the first blank line.
    // (A timing line right under it, with no blank line between, starts the cues: as browsers read it.)
    first = 1;
    while (first < lines.length && lines[first]!.trim() !== '' && !lines[first]!.includes('-->')) first++;
  } else {
    const firstLine = lines.findIndex((l) => l.trim() !== '');
    if (firstLine !== -1 && /^\d+\s*$/.test(lines[firstLine]!) && SRT_TIMING.test(lines[firstLine + 1] ?? '')) {
      srt = true;
      first = firstLine;
    } else if (firstLine !== -1 && SRT_TIMING.test(lines[firstLine]!)) {
      srt = true;
      first = firstLine;
    } else {
      return fail(
        msg('This is not a WebVTT file (it must start with WEBVTT). An SRT file (numbered cues with times like 00:00:01,000) is accepted too; other formats: convert them to WebVTT in your subtitle editor first.'),
      );
    }
  }

  const cues: Cue[] = [];
  let n = first;
  while (n < lines.length) {
    if (lines[n]!.trim() === '') {
      n++;
      continue;
    }
    const blockStart = n;
    const firstLine = lines[n]!;
    // NOTE, STYLE and REGION blocks: dropped whole.
    if (!srt && /^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/.test(firstLine) && !firstLine.includes('-->')) {
      while (n < lines.length && lines[n]!.trim() !== '') n++;
      continue;
    }
    // An identifier line (or an SRT cue number) before the timing line: not kept.
    const timingAt = firstLine.includes('-->') ? n : n + 1;
    const timingLine = lines[timingAt];
    if (timingLine === undefined || !timingLine.includes('-->')) {
      return fail(
        msg("Line {line}: a cue timing was expected here (like 00:00:01.000 --> 00:00:04.000). A cue's text cannot contain a blank line; check the line before it."),
        { line: blockStart + 1 },
      );
    }
    const timing = /^(\S+)[ \t]+-->[ \t]+(\S+)(.*)$/.exec(timingLine.trim());
    const startMs = timing ? parseTimestamp(timing[1]!, srt) : undefined;
    const endMs = timing ? parseTimestamp(timing[2]!, srt) : undefined;
    if (startMs === undefined || endMs === undefined) {
      const loose = timing ? looseTimestamp(timing[1]!) : undefined;
      const example = formatTimestamp(loose !== undefined && loose < DAY_MS ? loose : 1500);
      const shown = timingLine.trim().slice(0, 60);
      return fail(msg("Line {line}: the cue timing ''{shown}'' is not valid (use {example}, as hours:minutes:seconds.milliseconds)."), { line: timingAt + 1, shown, example });
    }
    if (endMs <= startMs) return fail(msg('Line {line}: the cue ends ({end}) before it starts ({start}).'), { line: timingAt + 1, end: formatTimestamp(endMs), start: formatTimestamp(startMs) });
    if (endMs > DAY_MS) return fail(msg('Line {line}: the cue ends after 24 hours ({end}); check the timing.'), { line: timingAt + 1, end: formatTimestamp(endMs) });
    // SRT's trailing "X1:... Y2:..." coordinates are not WebVTT settings: the allow-list drops them.
    const settings = srt ? '' : cleanSettings(timing![3]!.trim());

    // The text: up to a blank line, or a line that is itself a timing line (WebVTT ends the cue there).
    n = timingAt + 1;
    const textLines: string[] = [];
    while (n < lines.length && lines[n]!.trim() !== '') {
      if (TIMING_LIKE.test(lines[n]!)) break;
      textLines.push(lines[n]!.replace(CONTROLS, ''));
      n++;
    }
    const clean = sanitiseCueText(textLines.join('\n'), { startMs, endMs });
    if (clean.plain === '') continue; // nothing to show or read
    if (cues.length >= CAPTION_MAX_CUES) return fail(msg("This file has more than {max, number} cues; split the video's captions into shorter files."), { max: CAPTION_MAX_CUES });
    cues.push({ startMs, endMs, settings, text: clean.text, plain: clean.plain, speaker: clean.speaker });
  }
  if (cues.length === 0) return fail(msg('The captions file has no cues with text (a cue is a timing line like 00:00:01.000 --> 00:00:04.000 and its text).'));

  const vtt = buildVtt(cues);
  if (Buffer.byteLength(vtt) > CAPTION_MAX_BYTES) return fail(msg('The captions file is too large once checked: the limit is 1 MB.'));
  return { ok: true, vtt, transcript: buildTranscript(cues), cues, convertedFromSrt: srt };
}

export function buildVtt(cues: readonly Pick<Cue, 'startMs' | 'endMs' | 'settings' | 'text'>[]): string {
  const blocks = cues.map((c) => `${formatTimestamp(c.startMs)} --> ${formatTimestamp(c.endMs)}${c.settings ? ` ${c.settings}` : ''}\n${c.text}`);
  return `WEBVTT\n\n${blocks.join('\n\n')}\n`;
}

/**
 * The transcript: each cue's plain text, a line equal to the one before skipped (roll-up and
 * repeated captions), a new paragraph every ~30 s of speech or when the speaker changes (the
 * paragraph then starts with "Name: ").
 */
export function buildTranscript(cues: readonly Pick<Cue, 'startMs' | 'plain' | 'speaker'>[]): string {
  const paragraphs: Array<{ speaker: string | undefined; parts: string[] }> = [];
  let paragraphStart = -Infinity;
  let speaker: string | undefined;
  let last = '';
  for (const cue of cues) {
    const changedSpeaker = cue.speaker !== undefined && cue.speaker !== speaker;
    if (changedSpeaker || cue.startMs - paragraphStart >= PARAGRAPH_MS) {
      paragraphs.push({ speaker: changedSpeaker ? cue.speaker : undefined, parts: [] });
      paragraphStart = cue.startMs;
      if (cue.speaker !== undefined) speaker = cue.speaker;
    }
    if (cue.plain === last) continue;
    // Roll-up captions: a cue that repeats the previous one and adds to it contributes the new part.
    const text = last && cue.plain.startsWith(`${last} `) ? cue.plain.slice(last.length + 1) : cue.plain;
    last = cue.plain;
    paragraphs.at(-1)!.parts.push(text);
  }
  return paragraphs
    .filter((p) => p.parts.length > 0)
    .map((p) => (p.speaker ? `${p.speaker}: ` : '') + p.parts.join(' '))
    .join('\n\n');
}
