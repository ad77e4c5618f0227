import { connect } from '@nats-io/transport-node';
import type { DeviceControlEvent } from '@iotlog/drizzle/provisioning';
import { subjects } from '@iotlog/edge-sdk/protocol';
import { cliEnv } from './env.js';
import { warn } from './output.js';

/**
 * Publishes control events on `{NATS_PREFIX}.ctl.device` so every broker drops its cache entry and closes the
 * live session. The database change is already committed: when NATS is unreachable this warns and returns false.
 */
export async function publishControlEvents(events: DeviceControlEvent[]): Promise<boolean> {
  if (events.length === 0) return true;
  const env = cliEnv();
  const subject = subjects(env.NATS_PREFIX).ctlDevice;
  let nc;
  try {
    nc = await connect({ servers: env.NATS_URL, timeout: 3000, reconnect: false });
  } catch (err) {
    warn(
      `NATS at ${env.NATS_URL} is not reachable (${(err as Error).message}): the change is saved, but live MQTT sessions were not closed; they end at their next reconnect`,
    );
    return false;
  }
  try {
    for (const e of events) nc.publish(subject, JSON.stringify(e));
    await nc.flush();
    return true;
  } finally {
    await nc.close();
  }
}
