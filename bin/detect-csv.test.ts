import { describe, expect, it } from 'vitest';
import { CsvInputError, parseRow, parseTimestamp } from './detect-csv.ts';

describe('parseTimestamp', () => {
  it.each<[string, number]>([
    ['2014-04-10 00:02:00', Date.UTC(2014, 3, 10, 0, 2)],
    ['2014-04-10T00:02:00Z', Date.UTC(2014, 3, 10, 0, 2)],
    ['2014-04-10T00:02:00', Date.UTC(2014, 3, 10, 0, 2)],
    ['2014-04-10T02:02:00+02:00', Date.UTC(2014, 3, 10, 0, 2)],
    ['2014-04-10T00:02:00.250Z', Date.UTC(2014, 3, 10, 0, 2) + 250],
    ['2014-04-10T00:02', Date.UTC(2014, 3, 10, 0, 2)],
    ['2014-04-10', Date.UTC(2014, 3, 10)],
    ['2024-02-29 12:00:00', Date.UTC(2024, 1, 29, 12)],
    ['1397088120', Date.UTC(2014, 3, 10, 0, 2)],
    ['1397088120000', Date.UTC(2014, 3, 10, 0, 2)],
  ])('%s', (text, ms) => expect(parseTimestamp(text)).toBe(ms));

  it.each(['', 'yesterday', '2014-13-01', '2023-02-29', '2014-04-10 25:00:00', '2014-04-10 00:60:00', '10/04/2014', '2014-04-10T00:02:00 PST'])('refuses %j', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe('parseRow', () => {
  it.each<[string, number | null]>([
    ['2014-04-10 00:02:00,1.5', 1.5],
    ['2014-04-10 00:02:00,-2e3', -2000],
    ['2014-04-10 00:02:00,', null],
    ['2014-04-10 00:02:00,NaN', null],
    ['2014-04-10 00:02:00,nan,extra,columns', null],
    ['"2014-04-10 00:02:00","7"', 7],
  ])('%s', (line, value) => {
    const row = parseRow(line, 2);
    expect(row.value).toBe(value);
    expect(row.t).toBe(Date.UTC(2014, 3, 10, 0, 2));
  });

  it.each<[string, string]>([
    ['2014-04-10 00:02:00', 'expected 2 fields (timestamp,value), got 1'],
    ['soon,1', 'bad timestamp "soon"'],
    ['2014-04-10 00:02:00,1.2.3', 'bad value "1.2.3"'],
    ['2014-04-10 00:02:00,Infinity', 'bad value "Infinity"'],
    ['2014-04-10 00:02:00,1e999', 'bad value "1e999": out of range'],
  ])('refuses %j', (line, message) => {
    try {
      parseRow(line, 17);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CsvInputError);
      expect((err as CsvInputError).message).toContain(message);
      expect((err as CsvInputError).line).toBe(17);
    }
  });
});
