// Ingest envelope: the broker frames raw MQTT payloads of one device and channel into one JetStream message.
// Binary, big-endian: u8 version=1 | u8 channel | u16 len + utf8 tenantId | u16 len + utf8 deviceId |
// u32 count | count x (f64 receivedAtMs | u32 len | payload). ARCHITECTURE.md "Ingest envelope".
import { ProtocolError } from './errors.js';
import type { Channel } from './topics.js';

export const ENVELOPE_VERSION = 1;

/** Channel codes in the envelope's second byte. */
export const CHANNEL_CODES: Readonly<Record<Channel, number>> = {
  logs: 1,
  telemetry: 2,
  events: 3,
  reply: 4,
  config: 5,
};
const CODE_CHANNELS: readonly (Channel | undefined)[] = [
  undefined,
  'logs',
  'telemetry',
  'events',
  'reply',
  'config',
];

export interface EnvelopeMessage {
  receivedAtMs: number;
  payload: Uint8Array;
}

export interface Envelope {
  channel: Channel;
  tenantId: string;
  deviceId: string;
  messages: EnvelopeMessage[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function channelFromCode(code: number): Channel {
  const c = CODE_CHANNELS[code];
  if (c === undefined)
    throw new ProtocolError('protocol.bad_channel', `unknown envelope channel code ${code}`);
  return c;
}

/** Encodes an envelope into one buffer (one allocation). Throws ProtocolError on ids over 65535 bytes. */
export function encodeEnvelope(e: Envelope): Uint8Array {
  const code = CHANNEL_CODES[e.channel];
  if (code === undefined)
    throw new ProtocolError('protocol.bad_channel', `unknown channel ${JSON.stringify(e.channel)}`);
  const tenant = encoder.encode(e.tenantId);
  const device = encoder.encode(e.deviceId);
  if (tenant.length > 0xffff || device.length > 0xffff)
    throw new ProtocolError('protocol.bad_id', 'tenantId/deviceId over 65535 bytes');
  let size = 2 + 2 + tenant.length + 2 + device.length + 4;
  for (const m of e.messages) size += 12 + m.payload.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let o = 0;
  view.setUint8(o++, ENVELOPE_VERSION);
  view.setUint8(o++, code);
  view.setUint16(o, tenant.length);
  out.set(tenant, (o += 2));
  o += tenant.length;
  view.setUint16(o, device.length);
  out.set(device, (o += 2));
  o += device.length;
  view.setUint32(o, e.messages.length);
  o += 4;
  for (const m of e.messages) {
    view.setFloat64(o, m.receivedAtMs);
    view.setUint32(o + 8, m.payload.length);
    out.set(m.payload, o + 12);
    o += 12 + m.payload.length;
  }
  return out;
}

function truncated(what: string, at: number): ProtocolError {
  return new ProtocolError('protocol.bad_envelope', `envelope truncated reading ${what} at byte ${at}`);
}

/** Decodes an envelope. Payloads are views into `bytes` (no copy). Throws ProtocolError. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 2) throw truncated('header', 0);
  const version = view.getUint8(0);
  if (version !== ENVELOPE_VERSION)
    throw new ProtocolError(
      'protocol.bad_version',
      `envelope version ${version} is not supported (expected ${ENVELOPE_VERSION})`,
    );
  const channel = channelFromCode(view.getUint8(1));
  let o = 2;
  const readString = (what: string): string => {
    if (o + 2 > n) throw truncated(`${what} length`, o);
    const len = view.getUint16(o);
    o += 2;
    if (o + len > n) throw truncated(what, o);
    let s: string;
    try {
      s = decoder.decode(bytes.subarray(o, o + len));
    } catch (err) {
      throw new ProtocolError('protocol.bad_envelope', `envelope ${what} is not UTF-8`, { cause: err });
    }
    o += len;
    return s;
  };
  const tenantId = readString('tenantId');
  const deviceId = readString('deviceId');
  if (o + 4 > n) throw truncated('count', o);
  const count = view.getUint32(o);
  o += 4;
  if (count > (n - o) / 12)
    throw new ProtocolError('protocol.bad_envelope', `envelope count ${count} does not fit in ${n} bytes`);
  const messages: EnvelopeMessage[] = new Array<EnvelopeMessage>(count);
  for (let i = 0; i < count; i++) {
    if (o + 12 > n) throw truncated(`message ${i} header`, o);
    const receivedAtMs = view.getFloat64(o);
    const len = view.getUint32(o + 8);
    o += 12;
    if (o + len > n) throw truncated(`message ${i} payload`, o);
    messages[i] = { receivedAtMs, payload: bytes.subarray(o, o + len) };
    o += len;
  }
  if (o !== n) throw new ProtocolError('protocol.bad_envelope', `envelope has ${n - o} trailing bytes`);
  return { channel, tenantId, deviceId, messages };
}
