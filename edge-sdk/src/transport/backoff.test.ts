import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('backoff', () => {
  it('grows exponentially to the cap, with jitter between half and full delay', () => {
    const lo = createBackoff({ minDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    expect([lo.next(), lo.next(), lo.next(), lo.next(), lo.next(), lo.next()]).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    const hi = createBackoff({ minDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
    expect([hi.next(), hi.next(), hi.next(), hi.next(), hi.next()]).toEqual([100, 200, 400, 800, 1000]);
    hi.reset();
    expect(hi.next()).toBe(100);
  });
  it('spreads a fleet: delays differ with a real random source', () => {
    const delays = new Set(Array.from({ length: 20 }, () => createBackoff({ minDelayMs: 1000 }).next()));
    expect(delays.size).toBeGreaterThan(5);
  });
});
