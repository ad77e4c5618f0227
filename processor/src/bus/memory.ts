// The in-process bus of embedded mode (`iotlog up`): stands in for JetStream (ingest) and core NATS (presence,
// control) inside one process, with JetStream's delivery rules: a delivered message stays owned until ack;
// nak(delay) or a missed ack (ack wait) redelivers it; a message id seen within the duplicate window is stored
// once. The backlog lives in memory and is bounded: publish waits while it is full (backpressure to the broker).
import type { IngestSource, SourceMessage, SubjectBus, SubjectHandler } from './types.js';
import { createWaiter } from './waiter.js';

export interface MemoryBusOptions {
  /** Messages held (queued + unacked) before publish waits. */
  maxPending?: number;
  /** A delivered message not acked within this time is redelivered, ms. */
  ackWaitMs?: number;
  /** A message id published again within this window is dropped, ms. */
  duplicateWindowMs?: number;
}

export interface MemoryBus {
  /** Broker side (its IngestSink port): resolves once the envelope is held by the bus. Core subscribers of the subject see it too. */
  publish(envelope: Uint8Array, subject: string, msgId: string): Promise<void>;
  /** Processor side: a source; several sources share the queue like replicas share a durable consumer. */
  source(): IngestSource;
  /** Core publish/subscribe with NATS subject wildcards (`*`, `>`) and queue groups. */
  subjects: SubjectBus;
  /** Core request/reply: the first responder's answer, or an error after `timeoutMs` / without subscribers. */
  request(subject: string, data: Uint8Array, timeoutMs?: number): Promise<Uint8Array>;
  /** Messages queued and delivered-but-unacked. */
  stats(): { pending: number; ackPending: number };
  close(): void;
}

interface Entry {
  seq: number;
  subject: string;
  data: Uint8Array;
  timer?: NodeJS.Timeout;
}

/** True when a NATS subject matches a subscription pattern with `*` (one token) and `>` (the rest). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

export function createMemoryBus(opts: MemoryBusOptions = {}): MemoryBus {
  const maxPending = opts.maxPending ?? 100_000;
  const ackWaitMs = opts.ackWaitMs ?? 30_000;
  const duplicateWindowMs = opts.duplicateWindowMs ?? 120_000;
  let ready: Entry[] = [];
  let head = 0;
  const unacked = new Map<number, Entry>();
  const delayed = new Set<NodeJS.Timeout>();
  const recentIds = new Map<string, number>();
  let nextSeq = 1;
  let closed = false;
  const arrived = createWaiter();
  const space = createWaiter();

  const queued = () => ready.length - head;
  const requeue = (e: Entry) => {
    if (closed) return;
    ready.push(e);
    arrived.notify();
  };
  const forgetOldIds = (now: number) => {
    for (const [id, at] of recentIds) {
      if (now - at < duplicateWindowMs) break; // insertion order = time order
      recentIds.delete(id);
    }
  };

  const take = (): SourceMessage | undefined => {
    if (head >= ready.length) return undefined;
    const e = ready[head] as Entry;
    ready[head++] = undefined as unknown as Entry;
    if (head > 1024 && head * 2 > ready.length) {
      ready = ready.slice(head);
      head = 0;
    }
    unacked.set(e.seq, e);
    e.timer = setTimeout(() => {
      if (unacked.delete(e.seq)) requeue(e);
    }, ackWaitMs);
    e.timer.unref();
    let settled = false;
    return {
      data: e.data,
      subject: e.subject,
      seq: e.seq,
      ack() {
        if (settled) return;
        settled = true;
        clearTimeout(e.timer);
        if (unacked.delete(e.seq)) space.notify();
      },
      nak(delayMs) {
        if (settled) return;
        settled = true;
        clearTimeout(e.timer);
        if (!unacked.delete(e.seq)) return;
        if (delayMs <= 0) return requeue(e);
        const t = setTimeout(() => {
          delayed.delete(t);
          requeue(e);
        }, delayMs);
        delayed.add(t);
      },
    };
  };

  const subs = new Set<{ pattern: string; handler: SubjectHandler; queue?: string }>();
  const queueTurn = new Map<string, number>();
  /** Delivers to every plain subscriber and one member per queue group; returns how many got it. */
  const deliver = (subject: string, data: Uint8Array, respond?: (data: Uint8Array) => void): number => {
    let n = 0;
    const groups = new Map<string, SubjectHandler[]>();
    for (const s of subs) {
      if (!subjectMatches(s.pattern, subject)) continue;
      if (s.queue === undefined) {
        n++;
        s.handler(data, subject, respond);
      } else groups.set(s.queue, [...(groups.get(s.queue) ?? []), s.handler]);
    }
    for (const [queue, handlers] of groups) {
      const turn = (queueTurn.get(queue) ?? 0) + 1;
      queueTurn.set(queue, turn);
      n++;
      handlers[turn % handlers.length]?.(data, subject, respond);
    }
    return n;
  };
  const subjects: SubjectBus = {
    publish(subject, data) {
      deliver(subject, data);
    },
    subscribe(pattern, handler, o) {
      const s = { pattern, handler, ...(o?.queue !== undefined ? { queue: o.queue } : {}) };
      subs.add(s);
      return () => subs.delete(s);
    },
  };

  return {
    async publish(envelope, subject, msgId) {
      while (!closed && queued() + unacked.size >= maxPending) await space.wait();
      if (closed) throw new Error('memory bus closed');
      const now = Date.now();
      forgetOldIds(now);
      if (recentIds.has(msgId)) return;
      recentIds.set(msgId, now);
      requeue({ seq: nextSeq++, subject, data: envelope });
      // like NATS, a stored message is also seen by core subscribers of its subject (e.g. a live tail)
      deliver(subject, envelope);
    },
    source(): IngestSource {
      let open = true;
      return {
        poll: () => (open ? take() : undefined),
        async ready() {
          if (!open || closed || head < ready.length) return;
          await arrived.wait();
        },
        lag: () => Promise.resolve({ pending: queued(), ackPending: unacked.size }),
        problem: () => (closed ? 'in-process bus closed' : null),
        close() {
          open = false;
          arrived.notify();
          return Promise.resolve();
        },
      };
    },
    subjects,
    request(subject, data, timeoutMs = 5000) {
      return new Promise<Uint8Array>((resolve, reject) => {
        let answered = false;
        const timer = setTimeout(() => {
          answered = true;
          reject(new Error(`no reply on ${subject} within ${timeoutMs} ms`));
        }, timeoutMs);
        const n = deliver(subject, data, (reply) => {
          if (answered) return;
          answered = true;
          clearTimeout(timer);
          resolve(reply);
        });
        if (n === 0 && !answered) {
          answered = true;
          clearTimeout(timer);
          reject(new Error(`no responders on ${subject}`));
        }
      });
    },
    stats: () => ({ pending: queued(), ackPending: unacked.size }),
    close() {
      closed = true;
      for (const t of delayed) clearTimeout(t);
      for (const e of unacked.values()) clearTimeout(e.timer);
      arrived.notify();
      space.notify();
    },
  };
}
