// Reconnect delays: exponential with "equal jitter" (half fixed, half random) so a fleet that lost its
// broker at the same moment does not reconnect in lockstep.

export interface BackoffOptions {
  /** First delay, ms (default 500). */
  minDelayMs?: number;
  /** Cap, ms (default 30,000). */
  maxDelayMs?: number;
  /** Random source in [0, 1) (tests pass a fixed one). */
  random?: () => number;
}

export function createBackoff(opts: BackoffOptions = {}): { next(): number; reset(): void } {
  const min = opts.minDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 30_000;
  const random = opts.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(max, min * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    },
    reset() {
      attempt = 0;
    },
  };
}
