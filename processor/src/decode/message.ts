// Turns one ingest message (a JetStream message holding one envelope) into rows: logs, telemetry, events,
// and one dead letter per refused payload or record. Never throws for bad input (poison is data).
import {
  decodeEnvelope,
  decodePayload,
  ProtocolError,
  type Channel,
  type DecodeOptions,
  type DecodedRecord,
  type Envelope,
  type Subjects,
} from '@iotlog/edge-sdk/protocol';
import type { BatchRows } from '../store/rows.js';
import type { DeviceStateBuffer } from '../state/buffer.js';

/** Records per ingest message that can get a stream-derived seq: `-(streamSeq * 65536 + index)`. */
export const SEQ_SLOTS = 65_536;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Codes of refusals decided by the processor (the protocol module's `protocol.*` codes come on top). */
export const STORE_CODES = {
  badId: 'store.bad_id', // tenant or device id is not a UUID
  nulChar: 'store.nul_char', // text with U+0000, which PostgreSQL text/jsonb cannot hold
  tooManyRecords: 'store.too_many_records', // more than 65,536 records in one ingest message
  rejected: 'store.rejected', // the database refused the record itself (found by splitting a failed batch)
} as const;

export interface IngestMessage {
  /** The envelope bytes. */
  data: Uint8Array;
  subject: string;
  /** Stream sequence (JetStream) or bus sequence (embedded): unique per message, stable across redelivery. */
  seq: number;
}

export interface DecodeStats {
  /** Records decoded and queued for storage (a telemetry sample counts once). */
  records: number;
  /** Dead letters added. */
  deadLetters: number;
}

export interface MessageDecoder {
  decode(msg: IngestMessage, into: BatchRows, state?: DeviceStateBuffer): DecodeStats;
}

const toHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

export function createMessageDecoder(deps: {
  subjects: Subjects;
  limits?: DecodeOptions;
  now?: () => number;
}): MessageDecoder {
  const now = deps.now ?? Date.now;
  const limits = deps.limits ?? {};

  function deadLetter(
    into: BatchRows,
    at: {
      receivedAt: number;
      tenantId: string | null;
      deviceId: string | null;
      channel: string;
      seq: number;
      position: number;
    },
    code: string,
    reason: string,
    payload: Uint8Array | null,
  ): void {
    const d = into.deadLetters;
    d.receivedAt.push(at.receivedAt);
    d.tenantId.push(at.tenantId !== null && UUID_RE.test(at.tenantId) ? at.tenantId : null);
    d.deviceId.push(at.deviceId !== null && UUID_RE.test(at.deviceId) ? at.deviceId : null);
    d.channel.push(at.channel);
    d.code.push(code);
    d.reason.push(reason.length > 1000 ? `${reason.slice(0, 1000)}...` : reason);
    d.payloadHex.push(payload === null ? null : toHex(payload));
    d.streamSeq.push(at.seq);
    d.position.push(at.position);
  }

  /** Appends one decoded record; returns a refusal reason when the database could not hold it. */
  function addRecord(
    into: BatchRows,
    env: Envelope,
    r: DecodedRecord,
    seq: number,
  ): { code: string; reason: string } | null {
    const t = env.tenantId;
    const d = env.deviceId;
    switch (r.kind) {
      case 'log': {
        const attrs = r.attrs === null ? null : JSON.stringify(r.attrs);
        if (r.message.includes('\u0000') || (attrs !== null && attrs.includes('\\u0000'))) {
          return { code: STORE_CODES.nulChar, reason: `record ${r.index}: message or attrs hold U+0000` };
        }
        const l = into.logs;
        l.time.push(r.time);
        l.receivedAt.push(r.receivedAt);
        l.tenantId.push(t);
        l.deviceId.push(d);
        l.seq.push(seq);
        l.severity.push(r.severity);
        l.message.push(r.message);
        l.attrs.push(attrs);
        return null;
      }
      case 'telemetry': {
        const names = Object.keys(r.metrics);
        if (names.some((n) => n.includes('\u0000'))) {
          return { code: STORE_CODES.nulChar, reason: `record ${r.index}: a metric name holds U+0000` };
        }
        const x = into.telemetry;
        for (const name of names) {
          x.time.push(r.time);
          x.tenantId.push(t);
          x.deviceId.push(d);
          x.metric.push(name);
          x.value.push(r.metrics[name] as number);
        }
        return null;
      }
      case 'event': {
        const data = r.data === null || r.data === undefined ? null : JSON.stringify(r.data);
        if (r.name.includes('\u0000') || (data !== null && data.includes('\\u0000'))) {
          return { code: STORE_CODES.nulChar, reason: `record ${r.index}: name or data hold U+0000` };
        }
        const e = into.events;
        e.time.push(r.time);
        e.receivedAt.push(r.receivedAt);
        e.tenantId.push(t);
        e.deviceId.push(d);
        e.seq.push(seq);
        e.name.push(r.name);
        e.data.push(data);
        return null;
      }
      // replies are republished by the broker on core NATS; reported configuration is device state
      case 'reply':
      case 'config':
        return null;
    }
  }

  return {
    decode(msg, into, state) {
      const stats: DecodeStats = { records: 0, deadLetters: 0 };
      const fromSubject = deps.subjects.parseIngest(msg.subject);
      let env: Envelope;
      try {
        env = decodeEnvelope(msg.data);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        deadLetter(
          into,
          {
            receivedAt: now(),
            tenantId: fromSubject?.tenantId ?? null,
            deviceId: fromSubject?.deviceId ?? null,
            channel: fromSubject?.channel ?? 'unknown',
            seq: msg.seq,
            position: -1,
          },
          err.code,
          err.message,
          msg.data,
        );
        stats.deadLetters++;
        return stats;
      }
      const first = env.messages[0];
      const at = {
        receivedAt: first?.receivedAtMs ?? now(),
        tenantId: env.tenantId,
        deviceId: env.deviceId,
        channel: env.channel,
        seq: msg.seq,
        position: -1,
      };
      if (!UUID_RE.test(env.tenantId) || !UUID_RE.test(env.deviceId)) {
        deadLetter(
          into,
          at,
          STORE_CODES.badId,
          `tenant id ${JSON.stringify(env.tenantId)} or device id ${JSON.stringify(env.deviceId)} is not a UUID`,
          msg.data,
        );
        stats.deadLetters++;
        return stats;
      }
      let slot = 0; // position of the next record in this message, for stream-derived seqs
      let lastSeen = 0;
      for (const [position, m] of env.messages.entries()) {
        at.receivedAt = m.receivedAtMs;
        at.position = position;
        if (m.receivedAtMs > lastSeen) lastSeen = m.receivedAtMs;
        const result = decodePayload(env.channel as Channel, m.payload, m.receivedAtMs, limits);
        let maxIndex = -1;
        for (const e of result.errors) {
          if (e.index > maxIndex) maxIndex = e.index;
          deadLetter(into, at, e.code, e.index < 0 ? e.reason : `record ${e.index}: ${e.reason}`, m.payload);
          stats.deadLetters++;
        }
        for (const r of result.records) {
          if (r.index > maxIndex) maxIndex = r.index;
          const position = slot + r.index;
          if (r.seq === null && position >= SEQ_SLOTS) {
            deadLetter(
              into,
              at,
              STORE_CODES.tooManyRecords,
              `record ${r.index}: over ${SEQ_SLOTS} records without seq in one ingest message`,
              m.payload,
            );
            stats.deadLetters++;
            continue;
          }
          const seq = r.seq ?? -(msg.seq * SEQ_SLOTS + position);
          const refused = addRecord(into, env, r, seq);
          if (refused !== null) {
            deadLetter(into, at, refused.code, refused.reason, m.payload);
            stats.deadLetters++;
            continue;
          }
          stats.records++;
          if (r.kind === 'config') state?.reportConfig(env.deviceId, r.version, r.config, r.receivedAt);
        }
        slot += maxIndex + 1;
      }
      if (lastSeen > 0) state?.seen(env.deviceId, lastSeen);
      return stats;
    },
  };
}
