import { describe, expect, it } from 'vitest';
import { digestPeriods, isValidTimeZone, localDay } from './period';

const iso = (d: Date) => d.toISOString();

describe('digestPeriods', () => {
  it('reports the seven full local days before the run day, and the seven before those', () => {
    const { current, previous } = digestPeriods(new Date('2026-11-23T08:00:00Z'), 'weekly', 'Europe/London');
    expect(iso(current.start)).toBe('2026-11-16T00:00:00.000Z');
    expect(iso(current.end)).toBe('2026-11-23T00:00:00.000Z');
    expect(current.days).toEqual([
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(current.hours).toBe(168);
    expect(iso(previous.start)).toBe('2026-11-09T00:00:00.000Z');
    expect(iso(previous.end)).toBe('2026-11-16T00:00:00.000Z');
  });

  it('lasts 169 hours across the October clock change in London', () => {
    const { current, previous } = digestPeriods(new Date('2026-10-26T08:00:00Z'), 'weekly', 'Europe/London');
    // Mon 19 Oct 00:00 BST (UTC+1) to Mon 26 Oct 00:00 GMT.
    expect(iso(current.start)).toBe('2026-10-18T23:00:00.000Z');
    expect(iso(current.end)).toBe('2026-10-26T00:00:00.000Z');
    expect(current.hours).toBe(169);
    expect(current.days[0]).toBe('2026-10-19');
    expect(current.days[6]).toBe('2026-10-25');
    expect(previous.hours).toBe(168);
  });

  it('lasts 167 hours across the March clock change in London', () => {
    const { current } = digestPeriods(new Date('2026-03-30T07:00:00Z'), 'weekly', 'Europe/London');
    expect(iso(current.start)).toBe('2026-03-23T00:00:00.000Z');
    expect(iso(current.end)).toBe('2026-03-29T23:00:00.000Z');
    expect(current.hours).toBe(167);
  });

  it('reports the previous local day for a daily digest, in the zone, not in UTC', () => {
    // 06:30 on 23 Nov in Tokyo is still 22 Nov in UTC.
    const { current, previous } = digestPeriods(new Date('2026-11-22T21:30:00Z'), 'daily', 'Asia/Tokyo');
    expect(current.days).toEqual(['2026-11-22']);
    expect(iso(current.start)).toBe('2026-11-21T15:00:00.000Z');
    expect(iso(current.end)).toBe('2026-11-22T15:00:00.000Z');
    expect(current.hours).toBe(24);
    expect(previous.days).toEqual(['2026-11-21']);
  });

  it('gives the same period to a run at midnight and to one late in the day (a delayed retry)', () => {
    const atMidnight = digestPeriods(new Date('2026-11-23T00:00:00Z'), 'weekly', 'Europe/London');
    const late = digestPeriods(new Date('2026-11-23T23:59:59Z'), 'weekly', 'Europe/London');
    expect(late.current).toEqual(atMidnight.current);
    expect(iso(atMidnight.current.end)).toBe('2026-11-23T00:00:00.000Z');
  });

  it('crosses a year boundary by calendar', () => {
    const { current } = digestPeriods(new Date('2027-01-04T08:00:00Z'), 'weekly', 'UTC');
    expect(current.days[0]).toBe('2026-12-28');
    expect(current.days[6]).toBe('2027-01-03');
  });

  it('refuses an unknown time zone instead of silently using UTC', () => {
    expect(isValidTimeZone('Europe/London')).toBe(true);
    expect(isValidTimeZone('Europe/Londn')).toBe(false);
    expect(() => digestPeriods(new Date(), 'weekly', 'Europe/Londn')).toThrow(/unknown time zone/);
  });
});

describe('localDay', () => {
  it('puts an instant on its local calendar day, on both sides of a clock change', () => {
    expect(localDay('2026-10-18T23:30:00Z', 'Europe/London')).toBe('2026-10-19');
    expect(localDay('2026-10-25T23:30:00Z', 'Europe/London')).toBe('2026-10-25');
    expect(localDay(new Date('2026-11-22T21:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-23');
  });
});
