// Unit tests of the pure helpers (no I/O).
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';
import { csvField, parseCsv } from './csv.js';
import { parseSeverity, parseSeverityList } from './severity.js';
import { escapeLike, matchesText, parseTextQuery } from './text-query.js';
import { bucketSeconds, parseDuration, resolveRange } from './time-range.js';

describe('text query', () => {
  it('parses words, "phrases" and -negation', () => {
    expect(parseTextQuery('pump "stuck open" -ok -"all good" temp')).toEqual({
      include: ['pump', 'stuck open', 'temp'],
      exclude: ['ok', 'all good'],
    });
    expect(parseTextQuery('')).toEqual({ include: [], exclude: [] });
    expect(parseTextQuery('"unterminated phrase')).toEqual({ include: ['unterminated phrase'], exclude: [] });
  });
  it('matches case-insensitively in memory like ILIKE', () => {
    const q = parseTextQuery('Pump -"all good"');
    expect(matchesText(q, 'PUMP failure')).toBe(true);
    expect(matchesText(q, 'pump: all good')).toBe(false);
    expect(matchesText(q, 'valve')).toBe(false);
  });
  it('escapes LIKE wildcards', () => {
    expect(escapeLike('100%_done\\')).toBe('100\\%\\_done\\\\');
  });
});

describe('time range', () => {
  it('parses durations and ranges', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(() => parseDuration('forever')).toThrow(/invalid duration/);
    const r = resolveRange({ since: '1h' }, '24h', 10_000_000);
    expect(r.to.getTime() - r.from.getTime()).toBe(3_600_000);
    expect(() => resolveRange({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toThrow(/empty/);
    expect(() => resolveRange({ from: 'yesterday' })).toThrow(/ISO-8601/);
  });
  it('chooses nice buckets', () => {
    const range = (ms: number) => ({ from: new Date(0), to: new Date(ms) });
    expect(bucketSeconds(range(3_600_000), 60)).toBe(60);
    expect(bucketSeconds(range(30 * 86_400_000), 500)).toBe(7200);
    expect(bucketSeconds(range(1000), 500)).toBe(1);
    expect(bucketSeconds(range(365 * 86_400_000), 10)).toBe(37 * 86400);
  });
});

describe('severity', () => {
  it('accepts numbers, names and aliases', () => {
    expect(parseSeverity('3')).toBe(3);
    expect(parseSeverity('Warning')).toBe(4);
    expect(parseSeverity('err')).toBe(3);
    expect(parseSeverityList('error, debug')).toEqual([3, 7]);
    expect(() => parseSeverity('loud')).toThrow(/unknown severity/);
  });
});

describe('csv', () => {
  it('parses quotes, escaped quotes, CRLF and embedded newlines with line numbers', () => {
    const rows = parseCsv('name,labels\r\n"a,b","x=""1"""\n\n"multi\nline",z\nlast');
    expect(rows).toEqual([
      { line: 1, fields: ['name', 'labels'] },
      { line: 2, fields: ['a,b', 'x="1"'] },
      { line: 4, fields: ['multi\nline', 'z'] },
      { line: 6, fields: ['last'] },
    ]);
  });
  it('formats fields', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField(null)).toBe('');
    expect(csvField({ k: 1 })).toBe('"{""k"":1}"');
  });
});

describe('cursor', () => {
  it('round-trips and refuses garbage', () => {
    expect(decodeCursor(encodeCursor(['1', 'b', 3]), 3)).toEqual(['1', 'b', '3']);
    expect(() => decodeCursor('%%%', 3)).toThrow(/invalid cursor/);
    expect(() => decodeCursor(encodeCursor(['1']), 3)).toThrow(/invalid cursor/);
  });
});
