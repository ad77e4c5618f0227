// Validation of single wire records into decoded records. Throws ProtocolError; codec.ts collects them.
import { ProtocolError } from './errors.js';
import {
  DEFAULT_SEVERITY,
  parseSeverity,
  type DecodedConfig,
  type DecodedEvent,
  type DecodedLog,
  type DecodedReply,
  type DecodedTelemetry,
} from './records.js';

export interface DecodeLimits {
  /** How far into the future a device time may be, ms (default 1 h). */
  maxSkewMs: number;
  /** How far into the past a device time may be, ms (default 30 days: buffered devices drain late). */
  maxAgeMs: number;
  /** Maximum JSON size of a log's `attrs` or an event's `data`, bytes (default 16 KiB). */
  maxAttrsBytes: number;
  /** Maximum length of a log message, characters (default 64 Ki). */
  maxMessageChars: number;
  /** Maximum metrics per telemetry sample (default 256). */
  maxMetrics: number;
}

export const DEFAULT_LIMITS: DecodeLimits = {
  maxSkewMs: 3_600_000,
  maxAgeMs: 30 * 86_400_000,
  maxAttrsBytes: 16 * 1024,
  maxMessageChars: 64 * 1024,
  maxMetrics: 256,
};

export interface RecordContext {
  index: number;
  receivedAt: number;
  limits: DecodeLimits;
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Device time → epoch ms (receive time when absent), checked against skew limits. */
export function parseTime(v: unknown, ctx: RecordContext): { time: number; deviceTime: boolean } {
  if (v === undefined || v === null) return { time: ctx.receivedAt, deviceTime: false };
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new ProtocolError('protocol.bad_ts', `ts ${String(v)} is not a finite number`);
    ms = Math.trunc(v);
  } else if (typeof v === 'string') {
    if (!ISO_RE.test(v)) {
      throw new ProtocolError(
        'protocol.bad_ts',
        `ts ${JSON.stringify(v)} is not ISO-8601 with a zone (e.g. 2026-01-31T12:00:00.000Z) nor epoch ms`,
      );
    }
    ms = Date.parse(v);
    if (Number.isNaN(ms))
      throw new ProtocolError('protocol.bad_ts', `ts ${JSON.stringify(v)} is not a valid date`);
  } else {
    throw new ProtocolError('protocol.bad_ts', `ts must be an ISO-8601 string or epoch ms, got ${typeof v}`);
  }
  if (ms > ctx.receivedAt + ctx.limits.maxSkewMs) {
    throw new ProtocolError(
      'protocol.ts_skew',
      `ts ${new Date(ms).toISOString()} is ${ms - ctx.receivedAt} ms ahead of receipt (max ${ctx.limits.maxSkewMs})`,
    );
  }
  if (ms < ctx.receivedAt - ctx.limits.maxAgeMs) {
    throw new ProtocolError(
      'protocol.ts_skew',
      `ts ${Number.isNaN(new Date(ms).getTime()) ? ms : new Date(ms).toISOString()} is ${ctx.receivedAt - ms} ms before receipt (max ${ctx.limits.maxAgeMs})`,
    );
  }
  return { time: ms, deviceTime: true };
}

export function parseSeq(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ProtocolError(
      'protocol.bad_type',
      `seq must be a non-negative integer, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function jsonSize(v: unknown): number {
  // Only an upper-bound check: UTF-16 length of the JSON is within 3x of UTF-8 bytes, good enough for a limit.
  const s = JSON.stringify(v);
  return s === undefined ? 0 : s.length;
}

function base(o: Json, ctx: RecordContext) {
  const seq = parseSeq(o.seq);
  const { time, deviceTime } = parseTime(o.ts, ctx);
  return { index: ctx.index, seq, time, deviceTime, receivedAt: ctx.receivedAt };
}

export function toLog(o: Json, ctx: RecordContext): DecodedLog {
  if (o.message === undefined)
    throw new ProtocolError('protocol.missing_field', 'log record needs "message"');
  if (typeof o.message !== 'string')
    throw new ProtocolError('protocol.bad_type', `"message" must be a string, got ${typeof o.message}`);
  if (o.message.length > ctx.limits.maxMessageChars) {
    throw new ProtocolError(
      'protocol.too_large',
      `message of ${o.message.length} chars exceeds ${ctx.limits.maxMessageChars}`,
    );
  }
  const severity =
    o.severity === undefined || o.severity === null ? DEFAULT_SEVERITY : parseSeverity(o.severity);
  let attrs: Json | null = null;
  if (o.attrs !== undefined && o.attrs !== null) {
    if (!isObject(o.attrs)) throw new ProtocolError('protocol.bad_type', '"attrs" must be a JSON object');
    const size = jsonSize(o.attrs);
    if (size > ctx.limits.maxAttrsBytes)
      throw new ProtocolError(
        'protocol.too_large',
        `attrs of ${size} bytes exceed ${ctx.limits.maxAttrsBytes}`,
      );
    attrs = o.attrs;
  }
  return { kind: 'log', ...base(o, ctx), severity, message: o.message, attrs };
}

function checkMetrics(m: Json, ctx: RecordContext): Record<string, number> {
  const keys = Object.keys(m);
  if (keys.length === 0) throw new ProtocolError('protocol.empty', 'telemetry sample has no metrics');
  if (keys.length > ctx.limits.maxMetrics)
    throw new ProtocolError('protocol.too_large', `${keys.length} metrics exceed ${ctx.limits.maxMetrics}`);
  for (const k of keys) {
    const v = m[k];
    if (k.length === 0 || k.length > 128)
      throw new ProtocolError('protocol.bad_type', `metric name ${JSON.stringify(k)} must be 1-128 chars`);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ProtocolError(
        'protocol.bad_type',
        `metric ${JSON.stringify(k)} must be a finite number, got ${JSON.stringify(v)}`,
      );
    }
  }
  return m as Record<string, number>;
}

/** `{ seq?, ts?, metrics: {...} }`, or a bare object of names to numbers (`seq`/`ts` keys stay reserved). */
export function toTelemetry(o: Json, ctx: RecordContext): DecodedTelemetry {
  if (o.metrics !== undefined) {
    if (!isObject(o.metrics))
      throw new ProtocolError('protocol.bad_type', '"metrics" must be an object of names to numbers');
    return { kind: 'telemetry', ...base(o, ctx), metrics: checkMetrics(o.metrics, ctx) };
  }
  const metrics: Json = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'seq' && k !== 'ts') metrics[k] = v;
  if (Object.keys(metrics).length === 0)
    throw new ProtocolError(
      'protocol.missing_field',
      'telemetry needs "metrics" or metric names with numbers',
    );
  return { kind: 'telemetry', ...base(o, ctx), metrics: checkMetrics(metrics, ctx) };
}

export function toEvent(o: Json, ctx: RecordContext): DecodedEvent {
  if (o.name === undefined) throw new ProtocolError('protocol.missing_field', 'event needs "name"');
  if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 128) {
    throw new ProtocolError('protocol.bad_type', '"name" must be a string of 1-128 chars');
  }
  const size = jsonSize(o.data);
  if (size > ctx.limits.maxAttrsBytes)
    throw new ProtocolError(
      'protocol.too_large',
      `event data of ${size} bytes exceeds ${ctx.limits.maxAttrsBytes}`,
    );
  return { kind: 'event', ...base(o, ctx), name: o.name, data: o.data ?? null };
}

export function toReply(o: Json, ctx: RecordContext): DecodedReply {
  if (o.id === undefined) throw new ProtocolError('protocol.missing_field', 'reply needs "id"');
  if (typeof o.id !== 'string') throw new ProtocolError('protocol.bad_type', '"id" must be a string');
  if (o.ok === undefined) throw new ProtocolError('protocol.missing_field', 'reply needs "ok"');
  if (typeof o.ok !== 'boolean') throw new ProtocolError('protocol.bad_type', '"ok" must be a boolean');
  if (o.error !== undefined && typeof o.error !== 'string')
    throw new ProtocolError('protocol.bad_type', '"error" must be a string');
  const r: DecodedReply = {
    kind: 'reply',
    index: ctx.index,
    seq: null,
    time: ctx.receivedAt,
    deviceTime: false,
    receivedAt: ctx.receivedAt,
    id: o.id,
    ok: o.ok,
  };
  if (o.data !== undefined) r.data = o.data;
  if (typeof o.error === 'string') r.error = o.error;
  return r;
}

export function toConfig(o: Json, ctx: RecordContext): DecodedConfig {
  if (o.version === undefined) throw new ProtocolError('protocol.missing_field', 'config needs "version"');
  if (typeof o.version !== 'number' || !Number.isSafeInteger(o.version) || o.version < 0) {
    throw new ProtocolError('protocol.bad_type', '"version" must be a non-negative integer');
  }
  if (o.config === undefined) throw new ProtocolError('protocol.missing_field', 'config needs "config"');
  if (!isObject(o.config)) throw new ProtocolError('protocol.bad_type', '"config" must be a JSON object');
  return {
    kind: 'config',
    index: ctx.index,
    seq: null,
    time: ctx.receivedAt,
    deviceTime: false,
    receivedAt: ctx.receivedAt,
    version: o.version,
    config: o.config,
  };
}
