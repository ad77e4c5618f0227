// Unit tests of the web app's pure helpers (no DOM, no I/O).
import { describe, expect, it } from 'vitest';
import { alignSeries, fmtBucket } from '../../web/lib/align.js';
import { fillBuckets } from '../../web/lib/histogram.js';
import { formatLabels, parseLabels } from '../../web/lib/labels.js';
import { ApiError, problemFrom, toProblem } from '../../web/lib/problem.js';

describe('fillBuckets', () => {
  it('puts the returned buckets on a full grid of empty ones', () => {
    const h = {
      bucketSeconds: 60,
      from: '2026-01-01T00:00:30Z',
      to: '2026-01-01T00:05:00Z',
      buckets: [{ time: '2026-01-01T00:02:00Z', count: 3 }],
    };
    const { x, y } = fillBuckets(h);
    expect(x.map((t) => new Date(t * 1000).toISOString().slice(11, 19))).toEqual([
      '00:00:00',
      '00:01:00',
      '00:02:00',
      '00:03:00',
      '00:04:00',
    ]);
    expect(y).toEqual([0, 0, 3, 0, 0]);
  });
  it('draws an empty range when nothing matched', () => {
    const { y } = fillBuckets({
      bucketSeconds: 600,
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-01T01:00:00Z',
      buckets: [],
    });
    expect(y).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('alignSeries', () => {
  it('aligns several devices on one x axis with gaps as null', () => {
    const out = alignSeries([
      {
        label: 'a',
        points: [
          { time: '2026-01-01T00:00:00Z', avg: 1 },
          { time: '2026-01-01T00:01:00Z', avg: 2 },
        ],
      },
      {
        label: 'b',
        points: [
          { time: '2026-01-01T00:01:00Z', avg: 5 },
          { time: '2026-01-01T00:02:00Z', avg: 6 },
        ],
      },
    ]);
    expect(out.x).toHaveLength(3);
    expect(out.series[0]?.values).toEqual([1, 2, null]);
    expect(out.series[1]?.values).toEqual([null, 5, 6]);
  });
  it('formats bucket sizes', () => {
    expect([fmtBucket(10), fmtBucket(60), fmtBucket(5400), fmtBucket(86400)]).toEqual([
      '10s',
      '1m',
      '1.5h',
      '1d',
    ]);
  });
});

describe('labels', () => {
  it('round-trips key=value lists', () => {
    expect(parseLabels(' site=berlin, line = 2 ,')).toEqual({ site: 'berlin', line: '2' });
    expect(formatLabels({ site: 'berlin', line: '2' })).toBe('site=berlin, line=2');
  });
  it('refuses a label without a key', () => {
    expect(() => parseLabels('=x')).toThrow(/key=value/);
    expect(() => parseLabels('lonely')).toThrow(/key=value/);
  });
});

describe('problem JSON', () => {
  it('reads the API problem with its code and field errors', async () => {
    const res = new Response(
      JSON.stringify({
        type: 't',
        title: 'Bad Request',
        status: 400,
        detail: 'invalid json: name: too short',
        code: 'request.invalid',
        errors: [{ path: 'name', message: 'too short' }],
      }),
      { status: 400 },
    );
    const p = await problemFrom(res);
    expect(p).toMatchObject({
      status: 400,
      code: 'request.invalid',
      detail: 'invalid json: name: too short',
      errors: [{ path: 'name', message: 'too short' }],
    });
    expect(new ApiError(p).code).toBe('request.invalid');
  });
  it('keeps a non-JSON failure readable', async () => {
    const p = await problemFrom(
      new Response('upstream timed out', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(p).toMatchObject({ status: 502, title: 'Bad Gateway', detail: 'upstream timed out' });
    expect(toProblem(new Error('offline')).detail).toBe('offline');
  });
});
