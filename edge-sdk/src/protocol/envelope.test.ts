import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.js';
import { ProtocolError } from './errors.js';

const enc = new TextEncoder();

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return (err as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

describe('envelope', () => {
  const e: Envelope = {
    channel: 'telemetry',
    tenantId: 'tenant-ü',
    deviceId: 'device-1',
    messages: [
      { receivedAtMs: 1764470000123.5, payload: enc.encode('{"temp":1}') },
      { receivedAtMs: 1764470000124, payload: new Uint8Array(0) },
      { receivedAtMs: 1, payload: new Uint8Array([0, 255, 1]) },
    ],
  };

  it('round trips, all channels', () => {
    for (const channel of ['logs', 'telemetry', 'events', 'reply', 'config'] as const) {
      const bytes = encodeEnvelope({ ...e, channel });
      expect(bytes[0]).toBe(1);
      const d = decodeEnvelope(bytes);
      expect(d.channel).toBe(channel);
      expect(d.tenantId).toBe(e.tenantId);
      expect(d.deviceId).toBe(e.deviceId);
      expect(d.messages.map((m) => [m.receivedAtMs, Array.from(m.payload)])).toEqual(
        e.messages.map((m) => [m.receivedAtMs, Array.from(m.payload)]),
      );
    }
  });

  it('has the documented byte layout', () => {
    const bytes = encodeEnvelope({
      channel: 'logs',
      tenantId: 't',
      deviceId: 'd',
      messages: [{ receivedAtMs: 0, payload: enc.encode('x') }],
    });
    expect(Array.from(bytes)).toEqual([
      1, 1, 0, 1, 116, 0, 1, 100, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 120,
    ]);
  });

  it('decodes from a Node Buffer slice at an offset', () => {
    const bytes = encodeEnvelope(e);
    const big = Buffer.concat([Buffer.from('junk'), Buffer.from(bytes)]).subarray(4);
    expect(decodeEnvelope(big).messages).toHaveLength(3);
  });

  it('refuses every malformed input with a precise code', () => {
    const good = encodeEnvelope(e);
    expect(code(() => decodeEnvelope(new Uint8Array(0)))).toBe('protocol.bad_envelope');
    expect(code(() => decodeEnvelope(Uint8Array.from([2, 1])))).toBe('protocol.bad_version');
    expect(code(() => decodeEnvelope(Uint8Array.from([1, 9])))).toBe('protocol.bad_channel');
    expect(code(() => decodeEnvelope(Uint8Array.from([1, 0])))).toBe('protocol.bad_channel');
    for (let cut = 2; cut < good.length; cut++) {
      expect(code(() => decodeEnvelope(good.subarray(0, cut)))).toBe('protocol.bad_envelope');
    }
    const trailing = new Uint8Array(good.length + 1);
    trailing.set(good);
    expect(code(() => decodeEnvelope(trailing))).toMatch(/bad_envelope/);
    const hugeCount = Uint8Array.from([1, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(code(() => decodeEnvelope(hugeCount))).toBe('protocol.bad_envelope');
    const badUtf8 = Uint8Array.from([1, 1, 0, 1, 0xff, 0, 0, 0, 0, 0, 0]);
    expect(code(() => decodeEnvelope(badUtf8))).toBe('protocol.bad_envelope');
    expect(code(() => encodeEnvelope({ ...e, channel: 'nope' as 'logs' }))).toBe('protocol.bad_channel');
    expect(code(() => encodeEnvelope({ ...e, tenantId: 'x'.repeat(70000) }))).toBe('protocol.bad_id');
  });
});
