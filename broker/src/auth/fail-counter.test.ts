import { describe, expect, it } from 'vitest';
import { FailCounter } from './fail-counter.js';

describe('FailCounter', () => {
  it('blocks a key at the limit within its window and forgets it after the window', () => {
    let t = 1_000;
    const c = new FailCounter(3, 60_000, () => t);
    for (let i = 0; i < 2; i++) c.fail('ip:a');
    expect(c.blocked('ip:a')).toBe(false);
    c.fail('ip:a');
    expect(c.blocked('ip:a')).toBe(true);
    expect(c.blocked('ip:b')).toBe(false);
    t += 59_999;
    expect(c.blocked('ip:a')).toBe(true);
    t += 1;
    expect(c.blocked('ip:a')).toBe(false);
    c.fail('ip:a');
    expect(c.blocked('ip:a')).toBe(false);
  });

  it('drops expired windows in its sweep', () => {
    let t = 0;
    const c = new FailCounter(1, 1_000, () => t);
    for (let i = 0; i < 9_999; i++) c.fail(`k${i}`);
    t = 5_000;
    c.fail('last');
    expect(c.size()).toBe(1);
  });
});
