import { describe, expect, it } from 'vitest';
import { OrderedAcks } from './ordered-acks.js';
import { TokenBuckets } from './token-bucket.js';

describe('OrderedAcks', () => {
  it('runs callbacks in reservation order whatever order they settle in', () => {
    const q = new OrderedAcks();
    const out: string[] = [];
    const a = q.reserve(() => out.push('a'));
    const b = q.reserve((err) => out.push(`b:${err?.message ?? ''}`));
    const c = q.reserve(() => out.push('c'));
    c(null);
    expect(out).toEqual([]);
    b(new Error('x'));
    expect(out).toEqual([]);
    a(null);
    expect(out).toEqual(['a', 'b:x', 'c']);
  });
});

describe('TokenBuckets', () => {
  it('allows a burst, then the sustained rate', () => {
    let t = 0;
    const tb = new TokenBuckets(10, 20, () => t);
    let ok = 0;
    for (let i = 0; i < 50; i++) if (tb.take('d')) ok++;
    expect(ok).toBe(20);
    t += 1000;
    ok = 0;
    for (let i = 0; i < 50; i++) if (tb.take('d')) ok++;
    expect(ok).toBe(10);
    expect(tb.take('other')).toBe(true);
  });
});
