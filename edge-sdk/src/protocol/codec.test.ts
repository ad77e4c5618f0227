import { describe, expect, it } from 'vitest';
import { decodePayload, encodeJson, encodeRecords, type DecodeOptions } from './codec.js';
import { parseCommand, parseConfigDocument } from './commands.js';
import { ProtocolError } from './errors.js';
import { parseSeverity, severityName, type DecodedLog, type DecodedTelemetry } from './records.js';
import type { Channel } from './topics.js';

const NOW = Date.parse('2026-11-30T04:00:00.000Z');
const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);
const dec = (ch: Channel, payload: string | Uint8Array, opts?: DecodeOptions) =>
  decodePayload(ch, typeof payload === 'string' ? b(payload) : payload, NOW, opts);
/** The single error code of a payload that must be refused. */
const err = (ch: Channel, payload: string | Uint8Array, opts?: DecodeOptions) => {
  const r = dec(ch, payload, opts);
  expect(r.records).toEqual([]);
  expect(r.errors).toHaveLength(1);
  return r.errors[0]?.code;
};

describe('severity', () => {
  it('parses numbers, digit strings, names and aliases', () => {
    expect(parseSeverity(0)).toBe(0);
    expect(parseSeverity('7')).toBe(7);
    expect(parseSeverity('ERROR')).toBe(3);
    expect(parseSeverity('warn')).toBe(4);
    expect(parseSeverity('critical')).toBe(2);
    expect(parseSeverity('emerg')).toBe(0);
    expect(parseSeverity(' info ')).toBe(6);
    expect(severityName(4)).toBe('warning');
  });
  it('refuses anything else with protocol.bad_severity', () => {
    for (const v of [8, -1, 2.5, 'loud', '', null, true, {}]) {
      expect(() => parseSeverity(v)).toThrow(ProtocolError);
      try {
        parseSeverity(v);
      } catch (e) {
        expect((e as ProtocolError).code).toBe('protocol.bad_severity');
      }
    }
  });
});

describe('decodePayload: non-SDK devices', () => {
  it('a bare text line on logs is one info log stamped on receipt', () => {
    const r = dec('logs', 'disk almost full\n');
    expect(r.errors).toEqual([]);
    expect(r.records).toEqual([
      {
        kind: 'log',
        index: 0,
        seq: null,
        time: NOW,
        deviceTime: false,
        receivedAt: NOW,
        severity: 6,
        message: 'disk almost full',
        attrs: null,
      },
    ]);
  });
  it('text starting with [ is still text; multi-line stays one log', () => {
    const r = dec('logs', '[WARN] boom\n  at x (a.js:1)\n  at y (b.js:2)');
    expect((r.records[0] as DecodedLog).message).toBe('[WARN] boom\n  at x (a.js:1)\n  at y (b.js:2)');
  });
  it('a JSON object with message is one log', () => {
    const r = dec(
      'logs',
      JSON.stringify({ message: 'm', severity: 'error', ts: '2026-11-30T03:59:00Z', attrs: { a: 1 } }),
    );
    const log = r.records[0] as DecodedLog;
    expect(log).toMatchObject({
      severity: 3,
      message: 'm',
      attrs: { a: 1 },
      deviceTime: true,
      time: NOW - 60_000,
      seq: null,
    });
  });
  it('a bare JSON object of numbers on telemetry is one sample (ts, seq reserved)', () => {
    const r = dec('telemetry', JSON.stringify({ temp: 21.5, rpm: 900, ts: NOW - 1000, seq: 4 }));
    expect(r.records[0]).toMatchObject({
      kind: 'telemetry',
      metrics: { temp: 21.5, rpm: 900 },
      time: NOW - 1000,
      seq: 4,
    });
  });
});

describe('decodePayload: SDK batches and records', () => {
  it('round trips a batch of every kind through encodeRecords', () => {
    const logs = encodeRecords([
      { seq: 1, ts: NOW - 5, severity: 'debug', message: 'a' },
      { seq: 2, ts: new Date(NOW - 4).toISOString(), severity: 2, message: 'b', attrs: { k: 'v' } },
    ]);
    const r = decodePayload('logs', logs, NOW);
    expect(r.errors).toEqual([]);
    expect(r.records.map((x) => [x.index, x.seq, x.time, (x as DecodedLog).severity])).toEqual([
      [0, 1, NOW - 5, 7],
      [1, 2, NOW - 4, 2],
    ]);
    const t = decodePayload('telemetry', encodeRecords([{ seq: 9, ts: NOW, metrics: { v: 12.1 } }]), NOW);
    expect((t.records[0] as DecodedTelemetry).metrics).toEqual({ v: 12.1 });
    const e = decodePayload('events', encodeRecords([{ seq: 3, name: 'door', data: { open: true } }]), NOW);
    expect(e.records[0]).toMatchObject({
      kind: 'event',
      name: 'door',
      data: { open: true },
      time: NOW,
      deviceTime: false,
    });
  });
  it('keeps good records of a batch and reports the bad ones by index', () => {
    const r = dec(
      'logs',
      JSON.stringify({
        v: 1,
        records: [{ message: 'ok' }, { severity: 3 }, 'x', { message: 'ok2', seq: -1 }],
      }),
    );
    expect(r.records.map((x) => x.index)).toEqual([0]);
    expect(r.errors.map((e) => [e.index, e.code])).toEqual([
      [1, 'protocol.missing_field'],
      [2, 'protocol.bad_shape'],
      [3, 'protocol.bad_type'],
    ]);
  });
  it('replies and configuration documents', () => {
    expect(dec('reply', encodeJsonStr({ id: 'c1', ok: true, data: { x: 1 } })).records[0]).toMatchObject({
      kind: 'reply',
      id: 'c1',
      ok: true,
      data: { x: 1 },
    });
    expect(dec('reply', encodeJsonStr({ id: 'c1', ok: false, error: 'nope' })).records[0]).toMatchObject({
      ok: false,
      error: 'nope',
    });
    expect(dec('config', encodeJsonStr({ version: 3, config: { a: 1 } })).records[0]).toMatchObject({
      kind: 'config',
      version: 3,
      config: { a: 1 },
    });
  });
});

function encodeJsonStr(v: unknown): Uint8Array {
  return encodeJson(v);
}

describe('decodePayload: every validation error', () => {
  it.each<[string, Channel, string | Uint8Array, string, DecodeOptions?]>([
    ['empty payload', 'logs', '', 'protocol.empty'],
    ['whitespace payload', 'logs', '  \n', 'protocol.empty'],
    ['payload too large', 'logs', 'x'.repeat(100), 'protocol.too_large', { maxPayloadBytes: 10 }],
    ['invalid utf-8', 'logs', Uint8Array.from([0xc3, 0x28]), 'protocol.bad_utf8'],
    ['broken JSON on logs', 'logs', '{"message": ', 'protocol.bad_json'],
    ['text on telemetry', 'telemetry', 'temp=3', 'protocol.bad_json'],
    ['JSON array', 'events', '[1,2]', 'protocol.bad_shape'],
    ['JSON number', 'telemetry', '42', 'protocol.bad_shape'],
    ['log without message', 'logs', '{"severity":"info"}', 'protocol.missing_field'],
    ['message not a string', 'logs', '{"message":5}', 'protocol.bad_type'],
    ['message too long', 'logs', 'x'.repeat(20), 'protocol.too_large', { maxMessageChars: 10 }],
    ['bad severity', 'logs', '{"message":"m","severity":"loud"}', 'protocol.bad_severity'],
    ['attrs not an object', 'logs', '{"message":"m","attrs":[1]}', 'protocol.bad_type'],
    [
      'attrs too large',
      'logs',
      JSON.stringify({ message: 'm', attrs: { a: 'x'.repeat(100) } }),
      'protocol.too_large',
      { maxAttrsBytes: 50 },
    ],
    ['seq not an integer', 'logs', '{"message":"m","seq":1.5}', 'protocol.bad_type'],
    ['seq a string', 'logs', '{"message":"m","seq":"1"}', 'protocol.bad_type'],
    ['ts not a date', 'logs', '{"message":"m","ts":"yesterday"}', 'protocol.bad_ts'],
    ['ts without zone', 'logs', '{"message":"m","ts":"2026-11-30T04:00:00"}', 'protocol.bad_ts'],
    ['ts invalid date', 'logs', '{"message":"m","ts":"2026-13-45T04:00:00Z"}', 'protocol.bad_ts'],
    ['ts a boolean', 'logs', '{"message":"m","ts":true}', 'protocol.bad_ts'],
    ['ts in the future', 'logs', JSON.stringify({ message: 'm', ts: NOW + 7_200_000 }), 'protocol.ts_skew'],
    ['ts too old (1970 clock)', 'logs', JSON.stringify({ message: 'm', ts: 5000 }), 'protocol.ts_skew'],
    [
      'ts skew with custom limit',
      'logs',
      JSON.stringify({ message: 'm', ts: NOW + 2000 }),
      'protocol.ts_skew',
      { maxSkewMs: 1000 },
    ],
    ['metric not a number', 'telemetry', '{"temp":"hot"}', 'protocol.bad_type'],
    ['metric not finite (metrics form)', 'telemetry', '{"metrics":{"t":null}}', 'protocol.bad_type'],
    ['metrics not an object', 'telemetry', '{"metrics":[1]}', 'protocol.bad_type'],
    ['no metrics', 'telemetry', '{"metrics":{}}', 'protocol.empty'],
    ['only reserved keys', 'telemetry', '{"ts":1}', 'protocol.missing_field'],
    ['too many metrics', 'telemetry', '{"a":1,"b":2,"c":3}', 'protocol.too_large', { maxMetrics: 2 }],
    ['event without name', 'events', '{"data":1}', 'protocol.missing_field'],
    ['event name not a string', 'events', '{"name":1}', 'protocol.bad_type'],
    [
      'event data too large',
      'events',
      JSON.stringify({ name: 'n', data: 'x'.repeat(100) }),
      'protocol.too_large',
      { maxAttrsBytes: 50 },
    ],
    ['batch without v', 'logs', '{"records":[{"message":"m"}]}', 'protocol.missing_field'],
    ['batch wrong version', 'logs', '{"v":2,"records":[{"message":"m"}]}', 'protocol.bad_version'],
    ['batch records not an array', 'logs', '{"v":1,"records":{}}', 'protocol.bad_type'],
    ['empty batch', 'logs', '{"v":1,"records":[]}', 'protocol.empty'],
    [
      'batch too large',
      'logs',
      JSON.stringify({ v: 1, records: [{ message: 'a' }, { message: 'b' }] }),
      'protocol.too_large',
      { maxBatchRecords: 1 },
    ],
    ['reply without id', 'reply', '{"ok":true}', 'protocol.missing_field'],
    ['reply id not a string', 'reply', '{"id":1,"ok":true}', 'protocol.bad_type'],
    ['reply without ok', 'reply', '{"id":"c"}', 'protocol.missing_field'],
    ['reply ok not boolean', 'reply', '{"id":"c","ok":"yes"}', 'protocol.bad_type'],
    ['reply error not a string', 'reply', '{"id":"c","ok":false,"error":1}', 'protocol.bad_type'],
    ['config without version', 'config', '{"config":{}}', 'protocol.missing_field'],
    ['config version negative', 'config', '{"version":-1,"config":{}}', 'protocol.bad_type'],
    ['config without config', 'config', '{"version":1}', 'protocol.missing_field'],
    ['config not an object', 'config', '{"version":1,"config":3}', 'protocol.bad_type'],
  ])('%s', (_name, ch, payload, code, opts) => {
    expect(err(ch, payload, opts)).toBe(code);
  });

  it('payload-level errors have index -1, single-record errors index 0', () => {
    expect(dec('logs', '{"x').errors[0]?.index).toBe(-1);
    expect(dec('logs', '{"x":1}').errors[0]?.index).toBe(0);
  });

  it('an unknown channel is a caller bug: it throws protocol.bad_channel', () => {
    expect(() => decodePayload('nope' as Channel, b('x'), NOW)).toThrow(/unknown channel/);
  });
});

describe('commands', () => {
  it('parses commands and configuration', () => {
    expect(parseCommand(b('{"id":"1","name":"reboot","data":{"delay":5},"ts":10}'))).toEqual({
      id: '1',
      name: 'reboot',
      data: { delay: 5 },
      ts: 10,
    });
    expect(parseConfigDocument(b('{"version":2,"config":{"rate":5}}'))).toEqual({
      version: 2,
      config: { rate: 5 },
    });
  });
  it('refuses bad documents with codes', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ProtocolError).code;
      }
      return 'none';
    };
    expect(code(() => parseCommand(b('nope')))).toBe('protocol.bad_json');
    expect(code(() => parseCommand(b('[]')))).toBe('protocol.bad_shape');
    expect(code(() => parseCommand(b('{"name":"x"}')))).toBe('protocol.missing_field');
    expect(code(() => parseCommand(b('{"id":"x"}')))).toBe('protocol.missing_field');
    expect(code(() => parseConfigDocument(b('{"config":{}}')))).toBe('protocol.bad_type');
    expect(code(() => parseConfigDocument(b('{"version":1,"config":[]}')))).toBe('protocol.bad_type');
  });
});
