// Failed CONNECTs per key (device id, source address) in fixed windows: the first failure opens a window of
// `windowMs`; the key is blocked while a window holds `limit` failures. Synchronous (the CONNECT hot path
// asks it on every attempt), no timers: expired windows are dropped when read or by a sweep.
export class FailCounter {
  private readonly windows = new Map<string, { count: number; until: number }>();
  private opened = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while `key` has `limit` failures in its current window. */
  blocked(key: string): boolean {
    const w = this.windows.get(key);
    if (!w) return false;
    if (w.until <= this.now()) {
      this.windows.delete(key);
      return false;
    }
    return w.count >= this.limit;
  }

  /** Counts one failure of `key`. */
  fail(key: string): void {
    const t = this.now();
    const w = this.windows.get(key);
    if (w && w.until > t) {
      w.count += 1;
      return;
    }
    this.windows.set(key, { count: 1, until: t + this.windowMs });
    if (++this.opened % 10_000 === 0) this.sweep(t);
  }

  size(): number {
    return this.windows.size;
  }

  private sweep(t: number): void {
    for (const [key, w] of this.windows) if (w.until <= t) this.windows.delete(key);
  }
}
