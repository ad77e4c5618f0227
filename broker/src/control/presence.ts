// Presence events (`{p}.presence.{tenant}.{device}`, online/offline) published in order, but coalesced:
// the events of one event-loop turn go out together on the next, so a connect storm costs one NATS
// socket write per turn instead of one per event (core NATS flushes once per synchronous batch).
import type { SubjectBus } from '../ports.js';
import { subjects as makeSubjects } from '../protocol.js';

export type Presence = {
  publish(tenantId: string, deviceId: string, online: boolean): void;
  /** Publish what is pending now (e.g. before the bus closes). */
  flush(): void;
};

export function createPresence(deps: { bus: SubjectBus; prefix: string }): Presence {
  const subjects = makeSubjects(deps.prefix);
  let pending: { subject: string; data: Buffer }[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const batch = pending;
    pending = [];
    for (const e of batch) deps.bus.publish(e.subject, e.data);
  }

  return {
    publish(tenantId, deviceId, online) {
      pending.push({
        subject: subjects.presence(tenantId, deviceId),
        data: Buffer.from(JSON.stringify({ deviceId, online, at: Date.now() })),
      });
      scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
