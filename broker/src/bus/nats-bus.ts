// The SubjectBus over core NATS (control events, commands, replies, presence).
import type { NatsConnection } from '@nats-io/transport-node';
import type { SubjectBus } from '../ports.js';

export function createNatsBus(
  nc: NatsConnection,
  onError: (err: Error, subject: string) => void,
): SubjectBus {
  return {
    publish(subject, data) {
      nc.publish(subject, data);
    },
    subscribe(subject, handler, opts) {
      const sub = nc.subscribe(subject, {
        queue: opts?.queue,
        callback: (err, msg) => {
          if (err) return onError(err, subject);
          handler(msg.data, msg.subject, msg.reply ? (data) => msg.respond(data) : undefined);
        },
      });
      return () => sub.unsubscribe();
    },
  };
}
