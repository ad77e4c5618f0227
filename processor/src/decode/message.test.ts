import { randomUUID } from 'node:crypto';
import { encodeEnvelope, subjects } from '@iotlog/edge-sdk/protocol';
import { describe, expect, it } from 'vitest';
import { emptyRows } from '../store/rows.js';
import { createDeviceStateBuffer } from '../state/buffer.js';
import { createMessageDecoder, SEQ_SLOTS } from './message.js';

const enc = new TextEncoder();
const tenantId = randomUUID();
const deviceId = randomUUID();
const at = 1_750_000_000_000;
const env = (channel: 'logs' | 'telemetry' | 'events' | 'config', payloads: (string | object)[]) =>
  encodeEnvelope({
    channel,
    tenantId,
    deviceId,
    messages: payloads.map((p) => ({
      receivedAtMs: at,
      payload: enc.encode(typeof p === 'string' ? p : JSON.stringify(p)),
    })),
  });
const decoder = createMessageDecoder({ subjects: subjects('t'), now: () => at });

describe('message decoder', () => {
  it('numbers records without seq by stream sequence and position across the payloads of a message', () => {
    const rows = emptyRows();
    const stats = decoder.decode(
      {
        seq: 5,
        subject: 's',
        data: env('logs', [
          'one',
          { v: 1, records: [{ message: 'a' }, { seq: 9, message: 'b' }, { message: 'c' }] },
          'two',
        ]),
      },
      rows,
    );
    expect(stats).toEqual({ records: 5, deadLetters: 0 });
    const base = -(5 * SEQ_SLOTS);
    expect(rows.logs.seq).toEqual([base, base - 1, 9, base - 3, base - 4]);
    expect(rows.logs.time.every((t) => t === at)).toBe(true);
  });

  it('writes one telemetry row per metric', () => {
    const rows = emptyRows();
    decoder.decode({ seq: 1, subject: 's', data: env('telemetry', [{ temp: 1.5, hum: 2 }]) }, rows);
    expect(rows.telemetry.metric).toEqual(['temp', 'hum']);
    expect(rows.telemetry.value).toEqual([1.5, 2]);
  });

  it('turns each refused record into one dead letter and keeps the others', () => {
    const rows = emptyRows();
    const stats = decoder.decode(
      {
        seq: 2,
        subject: 's',
        data: env('events', [{ v: 1, records: [{ name: 'ok' }, { data: 1 }, { name: 'x\u0000y' }] }]),
      },
      rows,
    );
    expect(stats).toEqual({ records: 1, deadLetters: 2 });
    expect(rows.events.name).toEqual(['ok']);
    expect(rows.deadLetters.code).toEqual(['protocol.missing_field', 'store.nul_char']);
    expect(rows.deadLetters.streamSeq).toEqual([2, 2]);
    expect(rows.deadLetters.deviceId).toEqual([deviceId, deviceId]);
  });

  it('dead-letters a whole message that is not an envelope or has non-UUID ids', () => {
    const rows = emptyRows();
    const sub = subjects('t').ingest(tenantId, deviceId, 'logs');
    decoder.decode({ seq: 3, subject: sub, data: enc.encode('garbage') }, rows);
    decoder.decode(
      {
        seq: 4,
        subject: 's',
        data: encodeEnvelope({
          channel: 'logs',
          tenantId: 'x',
          deviceId: 'y',
          messages: [{ receivedAtMs: at, payload: enc.encode('hi') }],
        }),
      },
      rows,
    );
    expect(rows.deadLetters.code).toEqual(['protocol.bad_version', 'store.bad_id']);
    expect(rows.deadLetters.channel).toEqual(['logs', 'logs']);
    expect(rows.deadLetters.deviceId).toEqual([deviceId, null]);
    expect(rows.logs.time).toHaveLength(0);
  });

  it('feeds device state: last seen per device and the highest reported configuration version', () => {
    const state = createDeviceStateBuffer();
    decoder.decode(
      {
        seq: 6,
        subject: 's',
        data: env('config', [
          { version: 2, config: { a: 1 } },
          { version: 1, config: { a: 0 } },
        ]),
      },
      emptyRows(),
      state,
    );
    expect(state.size).toBe(2);
  });
});
