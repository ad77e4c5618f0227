// Runs a simulated truck fleet through the SDK: one EdgeClient per device, `rate` records per second per
// device for `durationSec`, then a bounded flush. Used by `iotlog simulate` and bench/sdk.
import type { EdgeClient } from '../client.js';
import { connect } from '../index.js';
import { createRng, Truck } from './truck.js';

export interface DeviceCredential {
  deviceId: string;
  token: string;
}

export interface FleetOptions {
  url: string;
  devices: DeviceCredential[];
  /** Records per second per device. */
  rate: number;
  durationSec: number;
  /** On-disk buffers under this directory (one per device); memory buffers when absent. */
  bufferDir?: string;
  /** Seconds to wait for the last acknowledgements at the end (default 10). */
  flushTimeoutSec?: number;
  seed?: number;
  /** CA for mqtts:// / wss:// with a private CA. */
  ca?: string;
  /** Called about once per second. */
  onProgress?(p: FleetProgress): void;
}

export interface FleetProgress {
  elapsedSec: number;
  durationSec: number;
  devices: number;
  connected: number;
  sent: number;
  acked: number;
  buffered: number;
  dropped: number;
  errors: number;
  lastError: string | null;
}

export async function runFleet(opts: FleetOptions): Promise<FleetProgress> {
  const rng = createRng(opts.seed ?? 1);
  let errors = 0;
  let lastError: string | null = null;
  let created = 0; // records handed to the SDK
  // telemetry rows are keyed by (device, metric, time): samples of one device get distinct milliseconds
  const clients: { client: EdgeClient; truck: Truck; debt: number; lastTs: number }[] = opts.devices.map(
    (d) => {
      const client = connect({
        url: opts.url,
        deviceId: d.deviceId,
        token: d.token,
        buffer: opts.bufferDir === undefined ? 'memory' : { dir: `${opts.bufferDir}/${d.deviceId}` },
        ...(opts.ca === undefined ? {} : { ca: opts.ca }),
      });
      client.on('error', (e) => {
        errors++;
        lastError = `${e.code}: ${e.message}`;
      });
      return { client, truck: new Truck(rng), debt: rng(), lastTs: 0 };
    },
  );
  const snapshot = (elapsedSec: number): FleetProgress => {
    let connected = 0;
    let acked = 0;
    let buffered = 0;
    let dropped = 0;
    for (const { client } of clients) {
      const s = client.status();
      if (s.connected) connected++;
      acked += s.acked;
      buffered += s.buffered;
      dropped += s.dropped;
    }
    return {
      elapsedSec,
      durationSec: opts.durationSec,
      devices: clients.length,
      connected,
      sent: created,
      acked,
      buffered,
      dropped,
      errors,
      lastError,
    };
  };
  const start = Date.now();
  let last = start;
  let lastProgress = start;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      const dt = (now - last) / 1000;
      last = now;
      for (const c of clients) {
        c.debt += opts.rate * dt;
        const n = Math.floor(c.debt);
        if (n === 0) continue;
        c.debt -= n;
        for (const o of c.truck.next(n, dt)) {
          try {
            if (o.kind === 'telemetry') {
              c.lastTs = Math.max(now, c.lastTs + 1);
              c.client.telemetry(o.metrics, c.lastTs);
            } else if (o.kind === 'log') c.client.log(o.severity, o.message, o.attrs);
            else c.client.event(o.name, o.data);
            created++;
          } catch (err) {
            errors++;
            lastError = (err as Error).message;
          }
        }
      }
      if (now - lastProgress >= 1000) {
        lastProgress = now;
        opts.onProgress?.(snapshot((now - start) / 1000));
      }
      if (now - start >= opts.durationSec * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
  });
  const flushMs = (opts.flushTimeoutSec ?? 10) * 1000;
  await Promise.all(clients.map(({ client }) => client.flush(flushMs)));
  const summary = snapshot((Date.now() - start) / 1000);
  await Promise.all(clients.map(({ client }) => client.close({ flushTimeoutMs: 0 })));
  return summary;
}
