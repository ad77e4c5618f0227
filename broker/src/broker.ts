// createBroker: wires aedes, the hooks (auth, ACL, limits, bridge), listeners, control plane and the HTTP
// endpoints of one broker replica. Adapters (auth store, ingest sink, bus) come from the caller.
import { randomBytes } from 'node:crypto';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { installLeanConnect } from './aedes/lean-connect.js';
import { createAuthenticator } from './auth/authenticator.js';
import { createCachedAuthStore } from './auth/cache.js';
import { createBatcher } from './bridge/batcher.js';
import { startControl } from './control/control.js';
import { DeviceRegistry } from './control/device-registry.js';
import { createPresence } from './control/presence.js';
import type { BrokerEnv } from './env.js';
import { createHooks } from './hooks/hooks.js';
import { startHttpServer } from './http/http-server.js';
import { readTlsFiles, startListeners, type ListenerPorts } from './listeners/listeners.js';
import { createMetrics, type BrokerMetrics } from './metrics.js';
import { createSharedState } from './persistence.js';
import type { AuthStore, IngestSink, SubjectBus } from './ports.js';

export type BrokerDeps = {
  config: BrokerEnv;
  authStore: AuthStore;
  sink: IngestSink;
  bus: SubjectBus;
  logger: Logger;
  /** Readiness of the adapters (e.g. NATS connected); /readyz answers 503 while false. */
  ready?: () => boolean;
  metrics?: BrokerMetrics;
};

export type RunningBroker = {
  id: string;
  ports: ListenerPorts & { http: number };
  aedes: Aedes;
  metrics: BrokerMetrics;
  close(): Promise<void>;
};

type PublishFn = (packet: PublishPacket, client: Client | null, done: (err?: Error | null) => void) => void;

export async function createBroker(deps: BrokerDeps): Promise<RunningBroker> {
  const { config, bus } = deps;
  const id = config.BROKER_ID ?? `b${randomBytes(6).toString('hex')}`;
  const base = deps.logger.child({ brokerId: id });
  const logger = base.child({ component: 'broker' });
  const metrics = deps.metrics ?? createMetrics();
  const prefix = config.NATS_PREFIX;

  if (config.AUTH_MODE === 'open') {
    logger.warn(
      'AUTH_MODE=open: NO AUTHENTICATION AND NO DEVICE ACL, nothing is bridged. Lab use only, never in production.',
    );
  }

  const cache = createCachedAuthStore({
    store: deps.authStore,
    ttlMs: config.AUTH_CACHE_TTL_S * 1000,
    logger: base.child({ component: 'auth-cache' }),
  });
  const authenticator = createAuthenticator({
    store: cache,
    failLimitPerMin: config.AUTH_FAIL_LIMIT_PER_MIN,
  });
  const batcher = createBatcher({
    sink: deps.sink,
    brokerId: id,
    prefix,
    lingerMs: config.BRIDGE_BATCH_MS,
    maxItems: config.BRIDGE_BATCH_MAX,
    metrics,
    logger: base.child({ component: 'bridge' }),
  });
  const hooks = createHooks({
    authMode: config.AUTH_MODE,
    authenticator,
    batcher,
    bus,
    prefix,
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    deviceRatePerS: config.DEVICE_RATE_PER_S,
    tenantQuotaPerS: config.TENANT_QUOTA_PER_S,
    metrics,
    logger: base.child({ component: 'hooks' }),
  });

  const shared = createSharedState(
    config.REDIS_URL ? { url: config.REDIS_URL, prefix: config.REDIS_PREFIX } : undefined,
  );
  const aedes = await Aedes.createBroker({
    id,
    persistence: shared.persistence,
    mq: shared.mq,
    maxClientsIdLength: 128,
    authenticate: hooks.authenticate,
    authorizePublish: hooks.authorizePublish,
    authorizeSubscribe: hooks.authorizeSubscribe,
  });

  // One replica (in-memory store, in-process emitter): the common CONNECT skips provable no-ops. In open
  // mode any client may subscribe to $SYS, so aedes' `new/clients` announcement is kept there.
  if (shared.memory) installLeanConnect(aedes, shared.memory, { announce: config.AUTH_MODE === 'open' });

  // A bridged ingest PUBLISH is stored in JetStream already: aedes must not route it to subscribers
  // (no device may subscribe to another's up topics) nor, with Redis, push it through Redis pub/sub.
  const target = aedes as unknown as { publish: PublishFn };
  const originalPublish = target.publish.bind(aedes);
  target.publish = (packet, client, done) => {
    if (hooks.isBridged(packet)) return done(null);
    originalPublish(packet, client, done);
  };

  const registry = new DeviceRegistry();
  const presence = createPresence({ bus, prefix });
  aedes.on('clientReady', (client) => {
    metrics.connects.inc();
    metrics.connections.set(aedes.connectedClients);
    const s = hooks.sessionOf(client);
    if (!s) return;
    registry.add(s.deviceId, client);
    presence.publish(s.tenantId, s.deviceId, true);
  });
  aedes.on('clientDisconnect', (client) => {
    metrics.connections.set(aedes.connectedClients);
    const s = hooks.sessionOf(client);
    if (!s) return;
    registry.remove(s.deviceId, client);
    presence.publish(s.tenantId, s.deviceId, false);
  });
  aedes.on('clientError', (client, err) => logger.debug({ clientId: client.id, err }, 'client error'));
  aedes.on('connectionError', (_client, err) => logger.debug({ err }, 'connection error'));
  aedes.on('publish', (packet: AedesPublishPacket, client) => {
    if (client === null && packet.topic.startsWith('d/')) metrics.messagesOut.inc();
  });

  const stopControl = startControl({
    aedes,
    bus,
    prefix,
    cache,
    registry,
    sharedPersistence: Boolean(config.REDIS_URL),
    metrics,
    logger: base.child({ component: 'control' }),
  });

  const tls = readTlsFiles({
    certFile: config.TLS_CERT_FILE,
    keyFile: config.TLS_KEY_FILE,
    caFile: config.TLS_CA_FILE,
  });
  const listeners = await startListeners({
    aedes,
    logger: base.child({ component: 'listeners' }),
    config: {
      host: config.HOST,
      mqttPort: config.MQTT_PORT,
      tlsPort: config.MQTT_TLS_PORT,
      wsPort: config.MQTT_WS_PORT,
      wssPort: config.MQTT_WSS_PORT,
      tls: tls && { ...tls, requireClientCert: config.TLS_REQUIRE_CLIENT_CERT },
      proxyProtocol: config.PROXY_PROTOCOL,
    },
  });
  const http = await startHttpServer({
    host: config.HOST,
    port: config.HTTP_PORT,
    registry: metrics.registry,
    ready: deps.ready ?? (() => true),
    logger,
  });
  logger.info(
    { ports: listeners.ports, httpPort: http.port, redis: Boolean(config.REDIS_URL) },
    'broker listening',
  );

  let closing: Promise<void> | undefined;
  return {
    id,
    ports: { ...listeners.ports, http: http.port },
    aedes,
    metrics,
    close() {
      closing ??= (async () => {
        stopControl();
        await listeners.close();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        presence.flush();
        await batcher.flush();
        await http.close();
        await shared.close();
      })();
      return closing;
    },
  };
}
