// Record types: what a device sends (wire records) and what decodePayload yields (decoded records).
// ARCHITECTURE.md "Records on the wire".
import { ProtocolError, type ProtocolErrorCode } from './errors.js';

/** Version of the batch wrapper `{ "v": 1, "records": [...] }`. */
export const PROTOCOL_VERSION = 1;

/** Syslog severity: 0 emerg .. 7 debug. */
export type Severity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const SEVERITY_NAMES = [
  'emerg',
  'alert',
  'crit',
  'error',
  'warning',
  'notice',
  'info',
  'debug',
] as const;
export type SeverityName = (typeof SEVERITY_NAMES)[number];

export const DEFAULT_SEVERITY: Severity = 6;

const SEVERITY_ALIASES: Record<string, Severity> = {
  emerg: 0,
  emergency: 0,
  panic: 0,
  alert: 1,
  crit: 2,
  critical: 2,
  fatal: 2,
  err: 3,
  error: 3,
  warn: 4,
  warning: 4,
  notice: 5,
  info: 6,
  information: 6,
  informational: 6,
  debug: 7,
  trace: 7,
};

/**
 * Parses a severity: an integer 0..7 (also as a digit string) or a name, case-insensitive
 * (`emerg`/`emergency`/`panic`, `alert`, `crit`/`critical`/`fatal`, `err`/`error`, `warn`/`warning`,
 * `notice`, `info`/`information`, `debug`/`trace`). Throws ProtocolError `protocol.bad_severity`.
 */
export function parseSeverity(value: unknown): Severity {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 7) return value as Severity;
  } else if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (/^[0-7]$/.test(s)) return Number(s) as Severity;
    const alias = SEVERITY_ALIASES[s];
    if (alias !== undefined) return alias;
  }
  throw new ProtocolError(
    'protocol.bad_severity',
    `severity ${JSON.stringify(value)} is neither an integer 0..7 nor one of ${SEVERITY_NAMES.join(', ')}`,
  );
}

export function severityName(severity: Severity): SeverityName {
  return SEVERITY_NAMES[severity] as SeverityName;
}

/** Device time on the wire: ISO-8601 string or epoch milliseconds. */
export type WireTime = string | number;

/** A log record as a device sends it. */
export interface LogRecord {
  seq?: number;
  ts?: WireTime;
  severity?: Severity | SeverityName | string;
  message: string;
  attrs?: Record<string, unknown>;
}

/** A telemetry sample as a device sends it. */
export interface TelemetryRecord {
  seq?: number;
  ts?: WireTime;
  metrics: Record<string, number>;
}

/** An event as a device sends it. */
export interface EventRecord {
  seq?: number;
  ts?: WireTime;
  name: string;
  data?: unknown;
}

export type WireRecord = LogRecord | TelemetryRecord | EventRecord;

/** A batch: one MQTT message carrying several records of one channel. */
export interface Batch<R extends WireRecord = WireRecord> {
  v: typeof PROTOCOL_VERSION;
  records: R[];
}

interface DecodedBase {
  /** Position of the record in its payload (0 for a single record). */
  index: number;
  /** The device's sequence number, or null when the device sent none. */
  seq: number | null;
  /** Device time in epoch ms, or the receive time when the device sent none. */
  time: number;
  /** True when `time` came from the device. */
  deviceTime: boolean;
  /** When the broker received the MQTT message, epoch ms. */
  receivedAt: number;
}

export interface DecodedLog extends DecodedBase {
  kind: 'log';
  severity: Severity;
  message: string;
  attrs: Record<string, unknown> | null;
}

export interface DecodedTelemetry extends DecodedBase {
  kind: 'telemetry';
  metrics: Record<string, number>;
}

export interface DecodedEvent extends DecodedBase {
  kind: 'event';
  name: string;
  data: unknown;
}

/** A command reply `{ id, ok, data?, error? }` from `d/{id}/reply`. */
export interface CommandReply {
  id: string;
  ok: boolean;
  data?: unknown;
  error?: string;
}

/** A command `{ id, name, data, ts }` delivered on `d/{id}/cmd/{name}`. */
export interface Command {
  id: string;
  name: string;
  data: unknown;
  ts: number;
}

/** Desired (`d/{id}/cmd/_config`, retained) or reported (`d/{id}/config/reported`) configuration. */
export interface ConfigDocument {
  version: number;
  config: Record<string, unknown>;
}

export interface DecodedReply extends DecodedBase, CommandReply {
  kind: 'reply';
}

export interface DecodedConfig extends DecodedBase, ConfigDocument {
  kind: 'config';
}

export type DecodedRecord = DecodedLog | DecodedTelemetry | DecodedEvent | DecodedReply | DecodedConfig;

/** A refused record (`index` in the batch) or payload (`index` -1). */
export interface DecodeError {
  index: number;
  code: ProtocolErrorCode;
  reason: string;
}

export interface DecodeResult {
  records: DecodedRecord[];
  errors: DecodeError[];
}
