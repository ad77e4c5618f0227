// Test helpers: polling (never fixed sleeps as the only sync), random names, envelope builders.
import { randomBytes, randomUUID } from 'node:crypto';
import { encodeEnvelope, type Channel } from '@iotlog/edge-sdk/protocol';

export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
        { cause: last },
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const suffix = (): string => randomBytes(4).toString('hex');

const enc = new TextEncoder();

/** One envelope of JSON payloads for a device and channel. */
export function envelope(
  tenantId: string,
  deviceId: string,
  channel: Channel,
  payloads: (string | object)[],
  receivedAtMs = Date.now(),
): Uint8Array {
  return encodeEnvelope({
    channel,
    tenantId,
    deviceId,
    messages: payloads.map((p) => ({
      receivedAtMs,
      payload: enc.encode(typeof p === 'string' ? p : JSON.stringify(p)),
    })),
  });
}

export function ids(): { tenantId: string; deviceId: string } {
  return { tenantId: randomUUID(), deviceId: randomUUID() };
}
