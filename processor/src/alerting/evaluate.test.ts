import { describe, expect, it } from 'vitest';
import {
  OK,
  stepLogMatch,
  stepThreshold,
  tickLogMatch,
  tickNoData,
  tickThreshold,
  type RuleState,
} from './evaluate.js';
import type { LogMatchCondition, NoDataCondition, ThresholdCondition } from './rules.js';

const hot: ThresholdCondition = {
  type: 'threshold',
  metric: 't',
  op: '>',
  value: 80,
  forSeconds: 0,
  hysteresis: 5,
};

function run(c: ThresholdCondition, samples: [number, number][]): (string | undefined)[] {
  let s: RuleState = OK;
  return samples.map(([v, at]) => {
    const r = stepThreshold(c, s, v, at);
    s = r.next;
    return r.change;
  });
}

describe('threshold', () => {
  it('fires at once without forSeconds and resolves only past the hysteresis', () => {
    expect(
      run(hot, [
        [70, 1],
        [81, 2],
        [90, 3],
        [79, 4],
        [76, 5],
        [75, 6],
        [81, 7],
      ]),
    ).toEqual([undefined, 'firing', undefined, undefined, undefined, 'resolved', 'firing']);
  });
  it('goes pending, then firing once held for forSeconds; a recovery while pending cancels', () => {
    const c = { ...hot, forSeconds: 10 };
    expect(
      run(c, [
        [81, 0],
        [82, 5_000],
        [83, 10_000],
        [70, 11_000],
      ]),
    ).toEqual(['pending', undefined, 'firing', 'resolved']);
    expect(
      run(c, [
        [81, 0],
        [50, 5_000],
        [81, 6_000],
      ]),
    ).toEqual(['pending', 'cancelled', 'pending']);
  });
  it('a pending threshold fires on the clock without new samples', () => {
    const c = { ...hot, forSeconds: 10 };
    const s = stepThreshold(c, OK, 90, 0).next;
    expect(tickThreshold(c, s, 9_000).change).toBeUndefined();
    expect(tickThreshold(c, s, 10_000).change).toBe('firing');
  });
  it('ignores samples older than the newest one evaluated', () => {
    const s = stepThreshold({ ...hot, forSeconds: 10 }, OK, 90, 5_000).next;
    expect(stepThreshold({ ...hot, forSeconds: 10 }, s, 10, 4_000)).toEqual({ next: s });
  });
  it('handles < with hysteresis and == without', () => {
    const low: ThresholdCondition = {
      type: 'threshold',
      metric: 'b',
      op: '<',
      value: 10,
      forSeconds: 0,
      hysteresis: 1,
    };
    expect(
      run(low, [
        [9, 1],
        [10.5, 2],
        [11, 3],
      ]),
    ).toEqual(['firing', undefined, 'resolved']);
    const eq: ThresholdCondition = {
      type: 'threshold',
      metric: 'b',
      op: '==',
      value: 0,
      forSeconds: 0,
      hysteresis: 0,
    };
    expect(
      run(eq, [
        [0, 1],
        [1, 2],
      ]),
    ).toEqual(['firing', 'resolved']);
  });
});

describe('log_match', () => {
  const c: LogMatchCondition = { type: 'log_match', minSeverity: 3, count: 3, windowSeconds: 10 };
  it('fires when count matches fall within the window, once', () => {
    let s = stepLogMatch(c, OK, [0, 1_000], 'a');
    expect(s.change).toBeUndefined();
    s = stepLogMatch(c, s.next, [20_000], 'b'); // the first two left the window
    expect(s.change).toBeUndefined();
    s = stepLogMatch(c, s.next, [21_000, 22_000], 'c');
    expect(s.change).toBe('firing');
    expect(stepLogMatch(c, s.next, [23_000], 'd').change).toBeUndefined();
  });
  it('resolves after a quiet window', () => {
    const s = stepLogMatch({ ...c, count: 1 }, OK, [1_000], 'x').next;
    expect(tickLogMatch(c, s, 10_000).change).toBeUndefined();
    expect(tickLogMatch(c, s, 11_001).change).toBe('resolved');
  });
});

describe('no_data', () => {
  const c: NoDataCondition = { type: 'no_data', afterSeconds: 30 };
  it('fires after the duration plus slack from the last message, then resolves on new data', () => {
    expect(tickNoData(c, OK, 1_000, 0, 31_500, 1_000).change).toBeUndefined();
    const f = tickNoData(c, OK, 1_000, 0, 32_001, 1_000);
    expect(f.change).toBe('firing');
    expect(tickNoData(c, f.next, 1_000, 0, 60_000, 1_000).change).toBeUndefined();
    expect(tickNoData(c, f.next, 61_000, 0, 62_000, 1_000).change).toBe('resolved');
  });
  it('uses the baseline for a device never seen', () => {
    expect(tickNoData(c, OK, undefined, 100_000, 120_000, 0).change).toBeUndefined();
    expect(tickNoData(c, OK, undefined, 100_000, 130_001, 0).change).toBe('firing');
  });
});
