// The aedes hooks: authenticate on CONNECT, ACL + limits + bridge on PUBLISH, ACL on SUBSCRIBE.
// A device's ingest PUBLISH is acknowledged (aedes writes the PUBACK when authorizePublish calls back)
// only after the ingest sink stored it, and is marked so that aedes does not fan it out locally.
import type { Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import type { Authenticator, ConnectAttempt, DeviceSession } from '../auth/authenticator.js';
import type { Batcher } from '../bridge/batcher.js';
import { getConnectionInfo, type ConnectionInfo } from '../connection-info.js';
import { AuthError, RefusedError } from '../errors.js';
import type { BrokerMetrics } from '../metrics.js';
import type { SubjectBus } from '../ports.js';
import { canSubscribe, isValidDeviceId, subjects as makeSubjects, type Channel } from '../protocol.js';
import { OrderedAcks } from './ordered-acks.js';
import { TokenBuckets } from './token-bucket.js';
import { upChannel } from './up-channel.js';

type AedesClientInternals = {
  broker: { persistence: { incomingGetPacket(client: Client, packet: PublishPacket): Promise<unknown> } };
};

/** Marks packets already stored by the bridge: aedes must not route them to subscribers again. */
const BRIDGED = Symbol('iotlog.bridged');

type ConnectDone = (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void;

/** What the publish hot path needs of an authenticated client, computed once at CONNECT. */
type LiveSession = DeviceSession & { validId: boolean; acks: OrderedAcks | null };

export type HooksDeps = {
  authMode: 'token' | 'open';
  authenticator: Authenticator;
  batcher: Batcher;
  bus: SubjectBus;
  prefix: string;
  maxPayloadBytes: number;
  deviceRatePerS: number;
  tenantQuotaPerS: number;
  metrics: BrokerMetrics;
  logger: Logger;
};

export function createHooks(deps: HooksDeps) {
  const { metrics, logger } = deps;
  const subjects = makeSubjects(deps.prefix);
  const sessions = new WeakMap<Client, LiveSession>();
  const deviceRate = new TokenBuckets(deps.deviceRatePerS, Math.max(1, deps.deviceRatePerS * 2));
  const tenantQuota = new TokenBuckets(deps.tenantQuotaPerS, Math.max(1, deps.tenantQuotaPerS * 2));
  const open = deps.authMode === 'open';

  function refusePublish(
    client: Client,
    reason: string,
    topic: string,
    cb: (err?: Error | null) => void,
  ): void {
    metrics.refused.inc({ reason });
    logger.warn({ clientId: client.id, reason, topic }, 'publish refused, closing connection');
    cb(new RefusedError(`publish.${reason}`, `publish refused: ${reason}`));
  }

  function bridge(
    session: DeviceSession,
    channel: Channel,
    payload: Buffer,
    settle: (err: Error | null) => void,
  ): void {
    if (channel === 'reply') deps.bus.publish(subjects.reply(session.tenantId, session.deviceId), payload);
    deps.batcher.add(session.tenantId, session.deviceId, channel, payload, settle);
  }

  function accept(client: Client, session: DeviceSession, done: ConnectDone): void {
    sessions.set(client, { ...session, validId: isValidDeviceId(session.deviceId), acks: null });
    done(null, true);
  }

  function refuseConnect(
    client: Client,
    attempt: ConnectAttempt,
    info: ConnectionInfo | undefined,
    err: unknown,
    done: ConnectDone,
  ): void {
    const e =
      err instanceof AuthError
        ? err
        : new AuthError('auth.internal', 3, 'authentication failed', { cause: err });
    const reason = e.code.replace(/^auth\./, '');
    metrics.authFailures.inc({ reason });
    logger.warn(
      {
        reason,
        deviceId: attempt.username,
        clientId: client.id,
        remoteAddress: attempt.remoteAddress,
        transport: info?.transport,
        err: e.cause,
      },
      'connect refused',
    );
    done(e, false);
  }

  return {
    sessions,
    isBridged: (packet: object) => (packet as Record<symbol, boolean>)[BRIDGED] === true,
    sessionOf: (client: Client) => sessions.get(client),

    authenticate(
      client: Client,
      username: string | undefined,
      password: Buffer | undefined,
      done: ConnectDone,
    ): void {
      if (open) {
        done(null, true);
        return;
      }
      const info = getConnectionInfo(client.conn);
      const attempt = {
        username,
        password,
        clientId: client.id,
        certFingerprint: info?.certFingerprint,
        remoteAddress: info?.remoteAddress ?? 'unknown',
      };
      const now = deps.authenticator.decideNow(attempt);
      if (now !== undefined) {
        // the parsed CONNECT stays referenced by the client's parser: do not keep the token in memory
        password?.fill(0);
        if (now instanceof AuthError) refuseConnect(client, attempt, info, now, done);
        else accept(client, now, done);
        return;
      }
      deps.authenticator
        .authenticate(attempt)
        .finally(() => password?.fill(0))
        .then(
          (session) => accept(client, session, done),
          (err: unknown) => refuseConnect(client, attempt, info, err, done),
        );
    },

    authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
      if (!client) return cb(null); // will/API publishes from the broker itself
      if (packet.topic.startsWith('$SYS')) return refusePublish(client, 'acl_publish', packet.topic, cb);
      if (open) return cb(null);
      const session = sessions.get(client);
      if (!session) return refusePublish(client, 'unauthenticated', packet.topic, cb);
      // channelOf(deviceId, topic), without splitting the topic: never true for an invalid device id
      const channel = session.validId ? upChannel(session.deviceId, packet.topic) : null;
      if (!channel) return refusePublish(client, 'acl_publish', packet.topic, cb);
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      if (payload.length > deps.maxPayloadBytes)
        return refusePublish(client, 'payload_too_large', packet.topic, cb);
      if (!deviceRate.take(session.deviceId)) return refusePublish(client, 'device_rate', packet.topic, cb);
      if (!tenantQuota.take(session.tenantId)) return refusePublish(client, 'tenant_quota', packet.topic, cb);
      if (packet.retain) return refusePublish(client, 'retain_not_allowed', packet.topic, cb);

      session.acks ??= new OrderedAcks();
      const settle = session.acks.reserve(cb);
      (packet as unknown as Record<symbol, boolean>)[BRIDGED] = true;
      if (packet.qos === 2 && packet.dup) {
        // a resent QoS 2 PUBLISH whose first copy is stored awaiting PUBREL was bridged already:
        // aedes only answers PUBREC again
        (client as unknown as AedesClientInternals).broker.persistence.incomingGetPacket(client, packet).then(
          () => settle(null),
          () => bridge(session, channel, payload, settle),
        );
        return;
      }
      bridge(session, channel, payload, settle);
    },

    authorizeSubscribe(
      client: Client,
      sub: Subscription,
      cb: (err: Error | null, sub?: Subscription | null) => void,
    ): void {
      if (open) return cb(null, sub);
      const session = sessions.get(client);
      if (session && canSubscribe(session.deviceId, sub.topic)) return cb(null, sub);
      metrics.refused.inc({ reason: 'acl_subscribe' });
      logger.warn({ clientId: client.id, topic: sub.topic }, 'subscribe refused (SUBACK 0x80)');
      cb(null, null);
    },
  };
}

export type Hooks = ReturnType<typeof createHooks>;
