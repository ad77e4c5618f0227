// Control plane of one replica: revocations (`iot.ctl.device`: drop the cache entry, close live sessions),
// commands down (`iot.cmd.{tenant}.{device}` -> `d/{id}/cmd/{topic}` QoS1, retained for desired config).
import type { Aedes } from 'aedes';
import type { Logger } from 'pino';
import type { CachedAuthStore } from '../auth/cache.js';
import type { BrokerMetrics } from '../metrics.js';
import type { SubjectBus } from '../ports.js';
import { commandTopic, desiredConfigTopic, subjects as makeSubjects, type CtlEvent } from '../protocol.js';
import type { DeviceRegistry } from './device-registry.js';

const CTL_TYPES = new Set(['credential.revoked', 'device.disabled', 'device.deleted', 'credential.rotated']);
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,127}$/;

export function parseCtlEvent(data: Uint8Array): CtlEvent | null {
  try {
    const v = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<CtlEvent>;
    if (typeof v.deviceId !== 'string' || !v.type || !CTL_TYPES.has(v.type)) return null;
    return v as CtlEvent;
  } catch {
    return null;
  }
}

export type CommandMessage = {
  id: string;
  name: string;
  data?: unknown;
  ts?: number;
  topic?: string;
  retain?: boolean;
};

export function parseCommand(data: Uint8Array): CommandMessage | null {
  try {
    const v = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<CommandMessage>;
    if (typeof v.id !== 'string' || typeof v.name !== 'string' || !NAME_RE.test(v.name)) return null;
    if (
      v.topic !== undefined &&
      (typeof v.topic !== 'string' || !NAME_RE.test(v.topic) || v.topic.includes('//'))
    )
      return null;
    return v as CommandMessage;
  } catch {
    return null;
  }
}

export function startControl(deps: {
  aedes: Aedes;
  bus: SubjectBus;
  prefix: string;
  cache: CachedAuthStore;
  registry: DeviceRegistry;
  /** With shared (Redis) persistence one replica publishes each command (queue group); else every replica. */
  sharedPersistence: boolean;
  metrics: BrokerMetrics;
  logger: Logger;
}): () => void {
  const { aedes, bus, registry, metrics, logger } = deps;
  const subjects = makeSubjects(deps.prefix);
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));

  const unsubCtl = bus.subscribe(subjects.ctlDevice, (data) => {
    const ev = parseCtlEvent(data);
    if (!ev) {
      logger.warn({ subject: subjects.ctlDevice }, 'ignored malformed control event');
      return;
    }
    deps.cache.invalidate(ev.deviceId);
    // rotation adds a credential: sessions stay; revocation/disable/delete close every live session
    if (ev.type === 'credential.rotated') return;
    for (const client of registry.clients(ev.deviceId)) {
      metrics.kicked.inc();
      logger.info(
        { deviceId: ev.deviceId, type: ev.type, clientId: client.id },
        'closing session after control event',
      );
      client.close();
    }
  });

  const cmdPrefix = `${deps.prefix}.cmd.`;
  const unsubCmd = bus.subscribe(
    subjects.cmdAll,
    (data, subject, respond) => {
      const [tenantId, deviceId] = subject.slice(cmdPrefix.length).split('.');
      const cmd = parseCommand(data);
      if (!tenantId || !deviceId || !cmd) {
        logger.warn({ subject }, 'ignored malformed command');
        respond?.(json({ ok: false, error: 'malformed command' }));
        return;
      }
      const retain = cmd.retain === true;
      let topic: string;
      try {
        topic = retain ? desiredConfigTopic(deviceId) : commandTopic(deviceId, cmd.topic ?? cmd.name);
      } catch (err) {
        logger.warn({ err, subject }, 'ignored command with an invalid device id or name');
        respond?.(json({ ok: false, error: 'invalid device id or command name' }));
        return;
      }
      const body: Record<string, unknown> = { ...cmd };
      delete body.topic;
      delete body.retain;
      const payload = json(retain ? (cmd.data ?? {}) : body);
      const connectedHere = registry.isConnected(deviceId);
      // without shared persistence: every replica publishes (the one holding the session delivers or
      // queues it); with Redis: the queue group picked this replica, and aedes reaches the device anywhere
      aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain, dup: false }, (err) => {
        if (err) {
          logger.error({ err, deviceId, topic }, 'command publish failed');
          respond?.(json({ ok: false, error: 'publish failed' }));
          return;
        }
        metrics.commands.inc();
        respond?.(json({ ok: true, online: connectedHere || undefined }));
      });
    },
    deps.sharedPersistence ? { queue: `${deps.prefix}-broker-cmd` } : undefined,
  );

  return () => {
    unsubCtl();
    unsubCmd();
  };
}
