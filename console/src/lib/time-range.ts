// Time ranges: relative (`since=15m`, `24h`, `7d`) or absolute (`from`, `to` ISO-8601), and bucket sizes.
import { ValidationError } from '../errors.js';

const units: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (!m?.[1] || !m[2]) throw new ValidationError(`invalid duration "${text}"; use e.g. 30s, 15m, 24h, 7d`);
  return Number(m[1]) * (units[m[2]] ?? 0);
}

export interface TimeRange {
  from: Date;
  to: Date;
}

export function resolveRange(
  q: { since?: string; from?: string; to?: string },
  defaultSince = '1h',
  now = Date.now(),
): TimeRange {
  const to = q.to ? new Date(q.to) : new Date(now);
  let from: Date;
  if (q.from) from = new Date(q.from);
  else from = new Date(to.getTime() - parseDuration(q.since ?? defaultSince));
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new ValidationError('from/to must be ISO-8601 times');
  if (from.getTime() >= to.getTime())
    throw new ValidationError('the time range is empty: from must be before to');
  return { from, to };
}

const niceSeconds = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
];

/** The smallest "nice" bucket (seconds) giving at most `maxBuckets` buckets over the range. */
export function bucketSeconds(range: TimeRange, maxBuckets: number): number {
  const span = (range.to.getTime() - range.from.getTime()) / 1000;
  const want = span / maxBuckets;
  return niceSeconds.find((s) => s >= want) ?? Math.ceil(want / 86400) * 86400;
}
