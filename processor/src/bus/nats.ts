// The SubjectBus over core NATS (presence events in; the same port the broker publishes them on).
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';
import type { SubjectBus } from './types.js';

export function createNatsSubjectBus(nc: NatsConnection, logger: Logger): SubjectBus {
  return {
    publish(subject, data) {
      nc.publish(subject, data);
    },
    subscribe(subject, handler, opts) {
      const sub = nc.subscribe(subject, {
        ...(opts?.queue !== undefined ? { queue: opts.queue } : {}),
        callback: (err, msg) => {
          if (err) return logger.warn({ err, subject }, 'NATS subscription error');
          handler(msg.data, msg.subject, msg.reply ? (data) => msg.respond(data) : undefined);
        },
      });
      return () => sub.unsubscribe();
    },
  };
}
