import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, nextDay, normalizeTimeZone, TIME_ZONES, utcToZonedDate, utcToZonedInput, zonedToUtc } from '../../src/lib/dates.ts';

const utc = (local: string, zone: string) => zonedToUtc(local, zone)?.toISOString();

describe('dates in the reader’s time zone', () => {
  it('reads a typed time in the zone and shows it back the same', () => {
    expect(utc('2026-12-01T09:00', 'Asia/Kolkata')).toBe('2026-12-01T03:30:00.000Z');
    expect(utcToZonedInput(new Date('2026-12-01T03:30:00Z'), 'Asia/Kolkata')).toBe('2026-12-01T09:00');
    expect(utc('2026-12-01T09:00', 'UTC')).toBe('2026-12-01T09:00:00.000Z');
    expect(utc('2026-07-01T12:00', 'America/New_York')).toBe('2026-07-01T16:00:00.000Z');
    expect(utc('2026-01-15T12:00', 'America/New_York')).toBe('2026-01-15T17:00:00.000Z');
  });

  it('crosses DST changes: a repeated hour is its first occurrence, a skipped hour moves forward', () => {
    // Europe/Berlin: 29 Mar 2026 02:00 -> 03:00; 25 Oct 2026 03:00 -> 02:00.
    expect(utc('2026-03-29T01:59', 'Europe/Berlin')).toBe('2026-03-29T00:59:00.000Z');
    expect(utc('2026-03-29T02:30', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z'); // does not exist: 03:30 CEST
    expect(utc('2026-03-29T03:00', 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
    expect(utc('2026-10-25T02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z'); // twice: the first (CEST)
    expect(utc('2026-10-25T03:00', 'Europe/Berlin')).toBe('2026-10-25T02:00:00.000Z');
    // America/New_York: 8 Mar 2026 02:00 -> 03:00; 1 Nov 2026 02:00 -> 01:00.
    expect(utc('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    expect(utc('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    expect(utc('2026-11-01T02:30', 'America/New_York')).toBe('2026-11-01T07:30:00.000Z');
    expect(utcToZonedInput('2026-11-01T06:30:00Z', 'America/New_York')).toBe('2026-11-01T01:30'); // the second 01:30 shows as such
    // Round trips on both sides of each change (outside the repeated hour, which reads as its first).
    for (const [at, zone] of [
      ['2026-03-29T00:59:00Z', 'Europe/Berlin'],
      ['2026-03-29T01:00:00Z', 'Europe/Berlin'],
      ['2026-10-25T00:59:00Z', 'Europe/Berlin'],
      ['2026-10-25T02:00:00Z', 'Europe/Berlin'],
      ['2026-03-08T06:59:00Z', 'America/New_York'],
      ['2026-11-01T07:00:00Z', 'America/New_York'],
    ] as const) {
      expect(utc(utcToZonedInput(at, zone), zone)).toBe(new Date(at).toISOString());
    }
  });

  it('a day is its midnight in the zone; nonsense is undefined', () => {
    expect(utc('2026-12-01', 'Asia/Tokyo')).toBe('2026-11-30T15:00:00.000Z');
    expect(utc('2026-12-01', 'America/New_York')).toBe('2026-12-01T05:00:00.000Z');
    expect(utcToZonedDate('2026-11-30T15:00:00Z', 'Asia/Tokyo')).toBe('2026-12-01');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    for (const bad of ['', '2026-02-31', '2026-13-01T00:00', '2026-12-01T24:00', '01/12/2026', '2026-12-01T09:00Z']) expect(zonedToUtc(bad, 'UTC')).toBeUndefined();
  });

  it('formats dates and release times in the zone, naming it', () => {
    expect(formatDate('2026-11-27T23:30:00Z')).toBe('27 Nov 2026');
    expect(formatDate('2026-11-27T23:30:00Z', 'Asia/Tokyo')).toBe('28 Nov 2026');
    expect(formatDate('2026-11-27T03:30:00Z', 'America/New_York')).toBe('26 Nov 2026');
    expect(formatDateTime('2026-11-27T13:30:00Z', 'Europe/Berlin')).toBe('27 Nov 2026, 14:30 (Europe/Berlin)');
    expect(formatDateTime('2026-11-27T13:30:00Z')).toBe('27 Nov 2026, 13:30 (UTC)');
    expect(formatDate('2026-11-27T23:30:00Z', 'Not/AZone')).toBe('27 Nov 2026'); // bad data: UTC, not a 500
  });

  it('knows a zone from a name that is not one', () => {
    expect(TIME_ZONES[0]).toBe('UTC');
    expect(TIME_ZONES.length).toBeGreaterThan(300);
    expect(normalizeTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(normalizeTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata'); // a newer alias Intl knows
    expect(normalizeTimeZone('europe/berlin')).toBe('Europe/Berlin');
    for (const bad of ['', '+05:30', 'Mars/Olympus', 'Europe/Berlin; drop table', '../etc/passwd', 'x'.repeat(80)]) expect(normalizeTimeZone(bad)).toBeUndefined();
  });
});
