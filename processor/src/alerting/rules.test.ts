import { describe, expect, it } from 'vitest';
import { RuleValidationError } from './errors.js';
import { matchesLabels, parseRule } from './rules.js';

const base = { name: 'hot' };
function refused(input: unknown): string {
  try {
    parseRule(input);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleValidationError);
    expect((err as RuleValidationError).code).toBe('rules.invalid');
    return (err as Error).message;
  }
  throw new Error('rule was accepted');
}

describe('parseRule', () => {
  it('accepts a threshold rule and fills defaults', () => {
    const r = parseRule({
      ...base,
      condition: { type: 'threshold', metric: 'temp', op: '>', value: 80, hysteresis: 2 },
    });
    expect(r).toMatchObject({ enabled: true, severity: 'warning', labels: {}, actions: [] });
    expect(r.condition).toEqual({
      type: 'threshold',
      metric: 'temp',
      op: '>',
      value: 80,
      forSeconds: 0,
      hysteresis: 2,
    });
  });

  it('accepts log_match with a severity name and no_data, webhook and command action', () => {
    const r = parseRule({
      ...base,
      labels: { site: 'a' },
      condition: {
        type: 'log_match',
        minSeverity: 'err',
        pattern: 'disk (full|error)',
        count: 3,
        windowSeconds: 30,
      },
      webhook: { url: 'https://example.test/hook', secret: 'x'.repeat(16) },
      actions: [{ type: 'command', name: 'set-log-level', data: { level: 'debug' } }],
    });
    expect(r.condition).toMatchObject({ minSeverity: 3, count: 3 });
    expect(parseRule({ ...base, condition: { type: 'no_data', afterSeconds: 60 } }).condition).toEqual({
      type: 'no_data',
      afterSeconds: 60,
    });
  });

  it('refuses an unknown condition type', () => {
    expect(refused({ ...base, condition: { type: 'average', metric: 'x' } })).toMatch(
      /condition.type must be one of/,
    );
  });
  it('refuses an unknown comparison', () => {
    expect(refused({ ...base, condition: { type: 'threshold', metric: 't', op: '=>', value: 1 } })).toMatch(
      /op must be one of/,
    );
  });
  it('refuses negative durations', () => {
    expect(
      refused({ ...base, condition: { type: 'threshold', metric: 't', op: '>', value: 1, forSeconds: -5 } }),
    ).toMatch(/forSeconds must not be negative/);
    expect(refused({ ...base, condition: { type: 'no_data', afterSeconds: -1 } })).toMatch(/afterSeconds/);
    expect(refused({ ...base, condition: { type: 'log_match', minSeverity: 3, windowSeconds: -1 } })).toMatch(
      /windowSeconds/,
    );
  });
  it('refuses an invalid, too long or explosive pattern', () => {
    expect(refused({ ...base, condition: { type: 'log_match', pattern: 'disk (full' } })).toMatch(
      /invalid pattern/,
    );
    expect(refused({ ...base, condition: { type: 'log_match', pattern: 'a'.repeat(201) } })).toMatch(
      /longer than 200/,
    );
    expect(refused({ ...base, condition: { type: 'log_match', pattern: '(a+)+$' } })).toMatch(
      /nested quantifier/,
    );
  });
  it('refuses log_match without severity or pattern, and an unknown severity', () => {
    expect(refused({ ...base, condition: { type: 'log_match', count: 2 } })).toMatch(
      /needs minSeverity and\/or pattern/,
    );
    expect(refused({ ...base, condition: { type: 'log_match', minSeverity: 'loud' } })).toMatch(
      /unknown severity "loud"/,
    );
  });
  it('refuses hysteresis with ==, bad metric names, unknown fields, bad webhooks and reserved commands', () => {
    expect(
      refused({ ...base, condition: { type: 'threshold', metric: 't', op: '==', value: 1, hysteresis: 1 } }),
    ).toMatch(/hysteresis makes no sense/);
    expect(refused({ ...base, condition: { type: 'threshold', metric: 'a b', op: '>', value: 1 } })).toMatch(
      /metric name/,
    );
    expect(refused({ ...base, condition: { type: 'no_data', afterSeconds: 5, extra: 1 } })).toMatch(/extra/);
    expect(
      refused({
        ...base,
        condition: { type: 'no_data', afterSeconds: 5 },
        webhook: { url: 'ftp://x', secret: 'x'.repeat(16) },
      }),
    ).toMatch(/http/);
    expect(
      refused({
        ...base,
        condition: { type: 'no_data', afterSeconds: 5 },
        webhook: { url: 'http://x', secret: 'short' },
      }),
    ).toMatch(/secret/);
    expect(
      refused({
        ...base,
        condition: { type: 'no_data', afterSeconds: 5 },
        actions: [{ type: 'command', name: '_config' }],
      }),
    ).toMatch(/reserved/);
    expect(refused({ condition: { type: 'no_data', afterSeconds: 5 } })).toMatch(/name/);
  });
});

describe('matchesLabels', () => {
  it('needs every selector pair', () => {
    expect(matchesLabels({}, null)).toBe(true);
    expect(matchesLabels({ site: 'a' }, { site: 'a', x: 'y' })).toBe(true);
    expect(matchesLabels({ site: 'a' }, { site: 'b' })).toBe(false);
    expect(matchesLabels({ site: 'a' }, undefined)).toBe(false);
  });
});
