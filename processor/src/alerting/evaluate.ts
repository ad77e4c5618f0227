/**
 * The state machine of one rule on one device, as pure functions (no I/O): the engine reads the state from NATS KV,
 * calls one of these, and writes the result back with compare-and-set. `change` says which lifecycle step happened:
 * ok -> pending -> firing -> ok (resolved); a pending that recovers before `forSeconds` is `cancelled`.
 */
import type { LogMatchCondition, NoDataCondition, Op, ThresholdCondition } from './rules.js';

export type RuleState = {
  status: 'ok' | 'pending' | 'firing';
  /** When the current pending/firing period began (ms). */
  since?: number;
  /** Time of the newest sample evaluated (ms): older samples (redeliveries, other replicas) are ignored. */
  lastTs?: number;
  /** Last value seen (threshold) or last matching log message (log_match). */
  lastValue?: number | string;
  /** log_match: times (ms) of the newest matches, at most `count`. */
  matches?: number[];
};

export type Change = 'pending' | 'firing' | 'resolved' | 'cancelled';
export type Step = { next: RuleState; change?: Change };

export const OK: RuleState = { status: 'ok' };

export function compare(v: number, op: Op, ref: number): boolean {
  switch (op) {
    case '>':
      return v > ref;
    case '>=':
      return v >= ref;
    case '<':
      return v < ref;
    case '<=':
      return v <= ref;
    case '==':
      return v === ref;
    case '!=':
      return v !== ref;
  }
}

/** A firing threshold clears only once the value is back past the threshold by `hysteresis` (no flapping). */
export function cleared(v: number, c: ThresholdCondition): boolean {
  switch (c.op) {
    case '>':
      return v <= c.value - c.hysteresis;
    case '>=':
      return v < c.value - c.hysteresis;
    case '<':
      return v >= c.value + c.hysteresis;
    case '<=':
      return v > c.value + c.hysteresis;
    default:
      return !compare(v, c.op, c.value);
  }
}

/** One telemetry sample of the rule's metric at time `at` (ms). */
export function stepThreshold(c: ThresholdCondition, s: RuleState, value: number, at: number): Step {
  if (s.lastTs !== undefined && at < s.lastTs) return { next: s };
  const breached = compare(value, c.op, c.value);
  const held = (since: number) => at - since >= c.forSeconds * 1000;
  switch (s.status) {
    case 'ok':
      if (!breached) return { next: s };
      if (c.forSeconds === 0)
        return { next: { status: 'firing', since: at, lastTs: at, lastValue: value }, change: 'firing' };
      return { next: { status: 'pending', since: at, lastTs: at, lastValue: value }, change: 'pending' };
    case 'pending': {
      const since = s.since ?? at;
      if (!breached) return { next: OK, change: 'cancelled' };
      if (held(since))
        return { next: { status: 'firing', since: at, lastTs: at, lastValue: value }, change: 'firing' };
      return { next: { ...s, lastTs: at, lastValue: value } };
    }
    case 'firing':
      if (cleared(value, c)) return { next: OK, change: 'resolved' };
      return { next: s };
  }
}

/** Time passing without samples: a pending threshold whose last sample breached fires once `forSeconds` is held. */
export function tickThreshold(c: ThresholdCondition, s: RuleState, now: number): Step {
  if (s.status === 'pending' && s.since !== undefined && now - s.since >= c.forSeconds * 1000) {
    return { next: { ...s, status: 'firing', since: now }, change: 'firing' };
  }
  return { next: s };
}

/** Matching logs (their times, ascending) of one device: fires when `count` of them fall within the window. */
export function stepLogMatch(c: LogMatchCondition, s: RuleState, times: number[], message: string): Step {
  const last = times[times.length - 1];
  if (last === undefined) return { next: s };
  const windowMs = c.windowSeconds * 1000;
  const matches = [...(s.matches ?? []), ...times]
    .sort((a, b) => a - b)
    .filter((t) => t > last - windowMs)
    .slice(-c.count);
  const lastTs = Math.max(last, s.lastTs ?? 0);
  if (s.status !== 'firing' && matches.length >= c.count) {
    return { next: { status: 'firing', since: last, lastTs, lastValue: message, matches }, change: 'firing' };
  }
  return { next: { ...s, lastTs, lastValue: message, matches } };
}

/** A firing log_match resolves once a whole window passed without a match. */
export function tickLogMatch(c: LogMatchCondition, s: RuleState, now: number): Step {
  if (s.status === 'firing' && now - (s.lastTs ?? 0) > c.windowSeconds * 1000)
    return { next: OK, change: 'resolved' };
  return { next: s };
}

/**
 * No-data check by the leader. `lastSeen` is the device's (or metric's) last message time as flushed by the
 * replicas, at most `slackMs` old; `baseline` stands in when it was never seen (the rule's creation). The alert
 * fires only after `afterSeconds + slack` so a late flush never makes it fire early; data after the firing resolves it.
 */
export function tickNoData(
  c: NoDataCondition,
  s: RuleState,
  lastSeen: number | undefined,
  baseline: number,
  now: number,
  slackMs: number,
): Step {
  const ref = Math.max(lastSeen ?? 0, baseline);
  if (s.status === 'firing') {
    if (lastSeen !== undefined && lastSeen > (s.lastTs ?? 0)) return { next: OK, change: 'resolved' };
    return { next: s };
  }
  if (now - ref > c.afterSeconds * 1000 + slackMs) {
    return { next: { status: 'firing', since: now, lastTs: ref }, change: 'firing' };
  }
  return { next: s };
}
