// NATS subject names (ARCHITECTURE.md "NATS subjects"). Tests and benches pass their own prefix.
import { ProtocolError } from './errors.js';
import { isChannel, type Channel } from './topics.js';

function assertToken(kind: string, v: string): void {
  if (v.length === 0 || /[.*>\s]/.test(v)) {
    throw new ProtocolError(
      'protocol.bad_id',
      `${kind} ${JSON.stringify(v)} cannot be a NATS subject token (empty, or has ".", "*", ">", whitespace)`,
    );
  }
}

export interface Subjects {
  prefix: string;
  /** JetStream stream of ingest subjects: `IOT_INGEST` for `iot`, else `{PREFIX}_INGEST`. */
  stream: string;
  /** `{p}.ingest.{tenantId}.{deviceId}.{channel}` */
  ingest(tenantId: string, deviceId: string, channel: Channel): string;
  /** `{p}.ingest.>`: the stream's subject filter. */
  ingestAll: string;
  /** Parses an ingest subject, or null. */
  parseIngest(subject: string): { tenantId: string; deviceId: string; channel: Channel } | null;
  /** `{p}.cmd.{tenantId}.{deviceId}` (core NATS request). */
  cmd(tenantId: string, deviceId: string): string;
  cmdAll: string;
  /** `{p}.reply.{tenantId}.{deviceId}` */
  reply(tenantId: string, deviceId: string): string;
  replyAll: string;
  /** `{p}.ctl.device`: control events (revocations). */
  ctlDevice: string;
  ctlAll: string;
  /** `{p}.presence.{tenantId}.{deviceId}` */
  presence(tenantId: string, deviceId: string): string;
  presenceAll: string;
  /** `{p}.alert.{tenantId}` */
  alert(tenantId: string): string;
  alertAll: string;
}

/** Subject builders for a prefix (default `iot`). The prefix is one token of letters, digits, `_` or `-`. */
export function subjects(prefix = 'iot'): Subjects {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix))
    throw new ProtocolError(
      'protocol.bad_id',
      `subject prefix ${JSON.stringify(prefix)} must match [A-Za-z0-9_-]+`,
    );
  const two =
    (kind: string) =>
    (tenantId: string, deviceId: string): string => {
      assertToken('tenantId', tenantId);
      assertToken('deviceId', deviceId);
      return `${prefix}.${kind}.${tenantId}.${deviceId}`;
    };
  return {
    prefix,
    stream: `${prefix.toUpperCase().replace(/-/g, '_')}_INGEST`,
    ingest(tenantId, deviceId, channel) {
      if (!isChannel(channel))
        throw new ProtocolError('protocol.bad_channel', `unknown channel ${JSON.stringify(channel)}`);
      return `${two('ingest')(tenantId, deviceId)}.${channel}`;
    },
    ingestAll: `${prefix}.ingest.>`,
    parseIngest(subject) {
      const parts = subject.split('.');
      if (parts.length !== 5 || parts[0] !== prefix || parts[1] !== 'ingest') return null;
      const [, , tenantId = '', deviceId = '', channel = ''] = parts;
      if (tenantId === '' || deviceId === '' || !isChannel(channel)) return null;
      return { tenantId, deviceId, channel };
    },
    cmd: two('cmd'),
    cmdAll: `${prefix}.cmd.>`,
    reply: two('reply'),
    replyAll: `${prefix}.reply.>`,
    ctlDevice: `${prefix}.ctl.device`,
    ctlAll: `${prefix}.ctl.>`,
    presence: two('presence'),
    presenceAll: `${prefix}.presence.>`,
    alert(tenantId) {
      assertToken('tenantId', tenantId);
      return `${prefix}.alert.${tenantId}`;
    },
    alertAll: `${prefix}.alert.>`,
  };
}
