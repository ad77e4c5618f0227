// The Bus port over a NATS connection (@nats-io/transport-node).
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Bus } from '../deps.js';

export function natsBus(nc: NatsConnection, logger: Logger): Bus {
  const log = logger.child({ component: 'bus' });
  return {
    publish(subject, data) {
      nc.publish(subject, data);
    },
    subscribe(subject, onMessage) {
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) {
            log.warn({ err, subject }, 'subscription error');
            return;
          }
          onMessage(msg.subject, msg.data);
        },
      });
      return { unsubscribe: () => sub.unsubscribe() };
    },
  };
}
