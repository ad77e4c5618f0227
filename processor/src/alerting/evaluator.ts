/**
 * Evaluation of one ingest envelope against the tenant's rules: decodes the records (protocol), folds the
 * samples of each rule into its per-device state with one compare-and-set, then applies the lifecycle steps.
 * Time is the broker's receive time, the same clock the no-data leader uses.
 */
import { decodeEnvelope, decodePayload, type Envelope } from '@iotlog/edge-sdk/protocol';
import type { Effects } from './effects.js';
import { OK, stepLogMatch, stepThreshold, type Change, type RuleState } from './evaluate.js';
import { matchesLabels } from './rules.js';
import type { LoadedRule, RuleSource } from './rule-source.js';
import type { SeenTracker } from './seen.js';
import { stateKey, type JsonKv } from './state-store.js';

const MAX_MATCH_CHARS = 4096;

type Sample = { value: number; at: number };
type Log = { severity: number; message: string; at: number };
type Fold = { next?: RuleState; changes: { change: Change; value?: number; message?: string }[] };

export interface Evaluator {
  /**
   * Evaluates one JetStream message (an encoded envelope). Throws ProtocolError on a malformed envelope.
   * `redelivered`: an earlier try may have changed the state but failed before its effects, so rules whose
   * state does not change now get their `alerts` row repaired (`Effects.ensure`).
   */
  handle(data: Uint8Array, opts?: { redelivered?: boolean }): Promise<void>;
}

export function createEvaluator(deps: {
  rules: RuleSource;
  store: JsonKv;
  seen: SeenTracker;
  effects: Effects;
}): Evaluator {
  const { rules, store, seen, effects } = deps;

  async function applicable(env: Envelope): Promise<LoadedRule[]> {
    const all = rules.tenantRules(env.tenantId);
    if (all.every((r) => Object.keys(r.labels).length === 0)) return all;
    const labels = await rules.labels(env.deviceId);
    return all.filter((r) => matchesLabels(r.labels, labels));
  }

  async function fold(
    rule: LoadedRule,
    deviceId: string,
    step: (s: RuleState) => Fold,
    repair: boolean,
  ): Promise<void> {
    let final: RuleState = OK;
    const r = await store.mutate<RuleState, Fold>(stateKey(rule.id, deviceId), (cur) => {
      const out = step(cur ?? OK);
      final = out.next ?? cur ?? OK;
      return out;
    });
    if (r.changes.length === 0 && repair) await effects.ensure(rule, deviceId, final);
    for (const c of r.changes) await effects.apply(rule, deviceId, c.change, c);
  }

  return {
    async handle(data, opts = {}) {
      const repair = opts.redelivered === true;
      const env = decodeEnvelope(data);
      if (!rules.hasRules(env.tenantId)) return;
      if (env.channel !== 'logs' && env.channel !== 'telemetry' && env.channel !== 'events') return;
      const list = await applicable(env);
      if (list.length === 0) return;

      const samples = new Map<string, Sample[]>();
      const logs: Log[] = [];
      let last = 0;
      for (const m of env.messages) {
        last = Math.max(last, m.receivedAtMs);
        for (const r of decodePayload(env.channel, m.payload, m.receivedAtMs).records) {
          if (r.kind === 'telemetry') {
            for (const [name, value] of Object.entries(r.metrics)) {
              let l = samples.get(name);
              if (!l) samples.set(name, (l = []));
              l.push({ value, at: r.receivedAt });
            }
          } else if (r.kind === 'log') {
            logs.push({
              severity: r.severity,
              message: r.message.slice(0, MAX_MATCH_CHARS),
              at: r.receivedAt,
            });
          }
        }
      }

      const watched: string[] = [];
      for (const rule of list) {
        const c = rule.condition;
        if (c.type === 'no_data') {
          if (c.metric && samples.has(c.metric)) watched.push(c.metric);
        } else if (c.type === 'threshold') {
          const xs = samples.get(c.metric);
          if (!xs) continue;
          await fold(
            rule,
            env.deviceId,
            (s0) => {
              let s = s0;
              const changes: Fold['changes'] = [];
              for (const x of xs) {
                const r = stepThreshold(c, s, x.value, x.at);
                if (r.change)
                  changes.push({
                    change: r.change,
                    value: x.value,
                    message: `${c.metric} ${c.op} ${c.value} (value ${x.value})`,
                  });
                s = r.next;
              }
              return s === s0 ? { changes } : { next: s, changes };
            },
            repair,
          );
        } else {
          const hits = logs.filter(
            (l) =>
              (c.minSeverity === undefined || l.severity <= c.minSeverity) &&
              (!rule.regex || rule.regex.test(l.message)),
          );
          const lastHit = hits[hits.length - 1];
          if (!lastHit) continue;
          await fold(
            rule,
            env.deviceId,
            (s0) => {
              const r = stepLogMatch(
                c,
                s0,
                hits.map((h) => h.at),
                lastHit.message,
              );
              return {
                next: r.next,
                changes: r.change ? [{ change: r.change, message: lastHit.message }] : [],
              };
            },
            repair,
          );
        }
      }
      if (last > 0 && list.some((r) => r.condition.type === 'no_data'))
        seen.note(env.deviceId, last, watched);
    },
  };
}
