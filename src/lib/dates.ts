/**
 * Dates in the reader's time zone. Everything is stored in UTC (timestamptz); each signed-in user
 * has an IANA zone (`user.timeZone`, 'UTC' for visitors and by default), in which dates are shown
 * and typed dates and times are read. Plain Intl, no library: the zone's offset at an instant
 * comes from Intl.DateTimeFormat, which knows every zone's history and DST rules.
 */

export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * The zones offered on the profile form: Intl's list, plus 'UTC' (which it leaves out). Node 20's
 * list uses ICU's older canonical names (Asia/Calcutta, Europe/Kiev); browsers may report the
 * newer ones (Asia/Kolkata, Europe/Kyiv), which Intl accepts all the same: see normalizeTimeZone.
 */
export const TIME_ZONES: readonly string[] = [DEFAULT_TIME_ZONE, ...Intl.supportedValuesOf('timeZone').filter((z) => z !== DEFAULT_TIME_ZONE)];
const LISTED = new Set(TIME_ZONES);

/**
 * The zone name to store, or undefined when `input` is not a zone: a listed name as it is, or
 * another name Intl knows (an alias such as Asia/Kolkata), in its canonical capitalisation when
 * only the case differed. Offsets ("+05:30") and anything else are refused.
 */
export function normalizeTimeZone(input: string): string | undefined {
  const name = input.trim();
  if (LISTED.has(name)) return name;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/.test(name) || name.length > 64) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
  } catch {
    return undefined;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

/** An unknown zone (bad data) is shown in UTC rather than failing the page. */
function safeZone(timeZone: string | undefined): string {
  if (!timeZone || timeZone === DEFAULT_TIME_ZONE) return DEFAULT_TIME_ZONE;
  return normalizeTimeZone(timeZone) ?? DEFAULT_TIME_ZONE;
}

/** "27 Nov 2026", in the reader's zone: one unambiguous format for every reader. */
export function formatDate(value: Date | string, timeZone: string = DEFAULT_TIME_ZONE, locale = 'en'): string {
  const zone = safeZone(timeZone);
  // English reads "27 Nov 2026" (day first: unambiguous everywhere); other languages their own way.
  const tag = locale === 'en' ? 'en-GB' : locale;
  return formatter(`d|${tag}|${zone}`, () => new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'short', year: 'numeric', timeZone: zone })).format(new Date(value));
}

/** "27 Nov 2026, 14:30 (Europe/Berlin)": a release time, with the zone it is shown in. */
export function formatDateTime(value: Date | string, timeZone: string = DEFAULT_TIME_ZONE, locale = 'en'): string {
  const zone = safeZone(timeZone);
  if (locale === 'en') return `${formatDate(value, zone)}, ${zonedParts(new Date(value), zone).time} (${zone})`;
  // Other languages: Intl's own date-and-time pattern and digits, 24-hour, with the zone's name.
  const f = formatter(`dt|${locale}|${zone}`, () => new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }));
  return `${f.format(new Date(value))} (${zone})`;
}

/** Numeric parts of an instant's wall clock in a zone, 24-hour. */
function partsFormatter(zone: string): Intl.DateTimeFormat {
  return formatter(`p|${zone}`, () =>
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }),
  );
}

/** The wall-clock date and time of an instant in a zone: "2026-11-27" and "14:30". */
function zonedParts(at: Date, zone: string): { date: string; time: string } {
  const p = Object.fromEntries(partsFormatter(zone).formatToParts(at).map((part) => [part.type, part.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(ms: number, zone: string): number {
  const p = Object.fromEntries(partsFormatter(zone).formatToParts(new Date(ms)).map((part) => [part.type, Number(part.value)]));
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(ms / 1000) * 1000;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/;

/**
 * A wall-clock time typed in a zone ("2026-12-01T09:00" from <input type="datetime-local">, or a
 * day "2026-12-01", meaning its midnight) as the UTC instant it names; undefined if malformed or
 * not a real date. Across DST changes: a time that occurs twice (clocks going back) is the first
 * of the two; a time that does not exist (clocks going forward) moves forward by the gap
 * ("02:30" on the spring-forward night in Berlin is 03:30 summer time), as most calendars do.
 */
export function zonedToUtc(local: string, timeZone: string): Date | undefined {
  const m = LOCAL.exec(local.trim());
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59) return undefined;
  const wall = Date.UTC(y!, mo! - 1, d!, h, mi);
  if (new Date(wall).getUTCDate() !== d) return undefined; // 31 February
  const zone = safeZone(timeZone);
  // The offsets in force a day either side: at most one change lies between them.
  const before = offsetAt(wall - 86_400_000, zone);
  const after = offsetAt(wall + 86_400_000, zone);
  const candidates = [...new Set([before, after])].map((offset) => wall - offset).filter((t) => offsetAt(t, zone) === wall - t);
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  return new Date(wall - before); // in the gap: read with the offset before it, which lands after it
}

/** An instant as the value of <input type="datetime-local"> in a zone: "2026-12-01T09:00". */
export function utcToZonedInput(value: Date | string, timeZone: string): string {
  const { date, time } = zonedParts(new Date(value), safeZone(timeZone));
  return `${date}T${time}`;
}

/** An instant as the value of <input type="date"> in a zone: "2026-12-01". */
export function utcToZonedDate(value: Date | string, timeZone: string): string {
  return zonedParts(new Date(value), safeZone(timeZone)).date;
}

/** The day after a "YYYY-MM-DD" day (for "to" filters that include the whole day). */
export function nextDay(day: string): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + 1);
  return at.toISOString().slice(0, 10);
}

/** "1 h 30 min" from minutes. */
export function formatDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
