// A lean CONNECT path for aedes 1.2.0 (pinned exactly: this mirrors lib/handlers/connect.js of that
// version) for the common case: a clean session, no will, MQTT 3.1.1, a client id with nothing stored
// in the (tracked, in-memory) persistence. Anything else takes aedes' own path unchanged.
//
// How it hooks in: aedes calls `preConnect(client, packet, cb)` first; cb(null, true) continues with its
// full path (setImmediate -> authenticate, setKeepAlive, fetchSubs, restoreSubs, storeWill,
// registerClient, cleanIncoming, doConnack, emptyQueue). On the lean path we run the same steps here and
// then call cb(null, false): aedes then only sets `client.connecting = false` and calls the packet's
// done(err), exactly what its own final callback does (connect.js `init`, runSeries' done).
import type { Aedes, Client } from 'aedes';
import mqtt from 'mqtt-packet';
import type { SessionStateProbe } from './tracked-memory.js';

type Done = (err?: Error | null) => void;
type AuthErr = Error & { returnCode?: number; errorCode?: number };

/** The aedes 1.2.0 client fields this path reads or sets (the same ones connect.js touches). */
type LeanClient = Client & {
  broker: LeanBroker;
  connecting: boolean;
  connected: boolean;
  connackSent: boolean;
  closed: boolean;
  errored: boolean;
  clean: boolean;
  version: number;
  will: unknown;
  _will: unknown;
  _authorized: boolean;
  _keepaliveInterval: number;
  _keepaliveTimer: NodeJS.Timeout | null;
  pause(): void;
  resume(): void;
  waitForDrain(cb: () => void): void;
  emit(event: string, ...args: unknown[]): boolean;
};
type LeanBroker = Aedes & {
  closed: boolean;
  keepaliveLimit?: number;
  clients: Record<string, LeanClient | undefined>;
  connectedClients: number;
  registerClient(client: LeanClient): void;
  unregisterClient(client: LeanClient): void;
  deleteClient(clientId: string): void;
  authenticate(
    client: Client,
    user: string | undefined,
    pass: Buffer | undefined,
    cb: (err: AuthErr | null, ok?: boolean) => void,
  ): void;
};
type ConnectPacket = {
  protocolVersion: number;
  clientId: string;
  clean: boolean;
  keepalive: number;
  will?: unknown;
  username?: string;
  password?: Buffer;
};
type PreConnectCb = (err: Error | null, ok: boolean) => void;

const errorMessages = [
  '',
  'unacceptable protocol version',
  'identifier rejected',
  'Server unavailable',
  'bad user name or password',
  'not authorized',
];

/** Which connects may take the lean path: decided before any work, from the packet and the store alone. */
export function isLeanEligible(
  broker: { keepaliveLimit?: number },
  packet: ConnectPacket,
  probe: SessionStateProbe,
): boolean {
  return (
    packet.protocolVersion === 4 && // 3.1.1: no client id length rule (3.1), no MQTT 5
    packet.clean === true && // nothing to restore (fetchSubs/restoreSubs); a clean session starts empty
    !packet.will && // storeWill has nothing to put
    typeof packet.clientId === 'string' &&
    packet.clientId.length > 0 && // aedes would generate an id; rare, keep its path
    !broker.keepaliveLimit && // aedes' keepalive limit check (returnCode 6) stays on its path
    probe.isPristine(packet.clientId) // cleanSubscriptions, delWill, cleanIncoming, emptyQueue: all no-ops
  );
}

/** aedes lib/write.js: write a packet, wait for drain when the socket buffer is full, call back later. */
function write(client: LeanClient, packet: object, done: (err: Error | null) => void): void {
  let error: Error | null = null;
  if (client.connecting || client.connected) {
    try {
      const ok = mqtt.writeToStream(packet as mqtt.Packet, client.conn as unknown as NodeJS.WritableStream);
      if (!ok && !client.errored) return client.waitForDrain(() => done(null));
    } catch {
      error = new Error('packet received not valid');
    }
  } else {
    error = new Error('connection closed');
  }
  setImmediate(done, error);
}

/**
 * Install the lean path on a broker whose persistence is `probe`. `announce`: whether to keep the
 * `$SYS/{brokerId}/new/clients` publish on every connect (see `registerClient` below).
 */
/** How many CONNECTs took the lean path and how many aedes' own. */
export type LeanStats = { lean: number; full: number };

export function installLeanConnect(
  aedes: Aedes,
  probe: SessionStateProbe,
  opts: { announce: boolean },
): LeanStats {
  const stats: LeanStats = { lean: 0, full: 0 };
  const broker = aedes as LeanBroker;
  if (!opts.announce) {
    // aedes' registerClient, minus the `$SYS/{id}/new/clients` publish. Its only consumer in aedes is
    // closeSameClients, which closes a same-id client on ANOTHER broker sharing the emitter; with the
    // in-process emitter there is no other broker, and no MQTT client may subscribe to $SYS (device ACL).
    // The same-id takeover on this broker ([MQTT-3.1.4-2]) is kept as is.
    broker.registerClient = (client: LeanClient) => {
      const finish = () => {
        broker.connectedClients++;
        broker.clients[client.id] = client;
        broker.emit('client', client);
      };
      const previous = broker.clients[client.id];
      if (previous) previous.close(finish);
      else finish();
    };
    // aedes' unregisterClient, minus the `$SYS/{id}/disconnect/clients` publish: nothing in aedes listens
    // to it, and (as above) no other broker or MQTT client can.
    broker.unregisterClient = (client: LeanClient) => {
      broker.deleteClient(client.id);
      broker.emit('clientDisconnect', client);
    };
  }

  aedes.preConnect = (c, p, cb) => {
    const client = c as LeanClient;
    const packet = p as unknown as ConnectPacket;
    if (!isLeanEligible(broker, packet, probe)) {
      stats.full++;
      return cb(null, true);
    }
    stats.lean++;
    leanConnect(client, packet, cb as PreConnectCb);
  };
  return stats;
}

function leanConnect(client: LeanClient, packet: ConnectPacket, cb: PreConnectCb): void {
  const broker = client.broker;
  // connect.js init: the checks that could refuse are excluded by isLeanEligible
  client.id = packet.clientId;
  client.clean = true;
  client.version = packet.protocolVersion;
  client._will = packet.will ?? null;

  const fail: Done = (err) => cb(err ?? null, false);

  // authenticate (connect.js): pause reading until the verdict
  client.pause();
  broker.authenticate(client, packet.username, packet.password, (err, ok) => {
    if (client.closed || broker.closed) return; // as aedes: closed meanwhile, register nothing
    if (!err && ok) {
      client._authorized = true;
      return afterAuth(client, packet, cb);
    }
    let returnCode = 5;
    let error: AuthErr;
    if (err) {
      const code = err.returnCode;
      if (code && code >= 2 && code <= 5) returnCode = code;
      if (!err.message) err.message = errorMessages[returnCode] ?? '';
      error = err;
    } else {
      error = new Error(errorMessages[returnCode]);
    }
    error.errorCode = returnCode;
    // [MQTT-3.2.2-5]: CONNACK with the code, then close
    connack(client, returnCode, () => client.close(() => fail(error)));
  });
}

function afterAuth(client: LeanClient, packet: ConnectPacket, cb: PreConnectCb): void {
  const broker = client.broker;
  // setKeepAlive (connect.js) [MQTT-3.1.2-24]
  if (packet.keepalive > 0) {
    client._keepaliveInterval = packet.keepalive * 1500 + 1;
    client._keepaliveTimer = setTimeout(() => {
      broker.emit('keepaliveTimeout', client);
      client.emit('error', new Error('keep alive timeout'));
    }, client._keepaliveInterval);
  }
  // fetchSubs + restoreSubs: clean session and nothing stored (isPristine) -> sessionPresent false
  // storeWill: no will in the packet and none stored -> only `client.will = client._will`
  client.will = client._will;
  // registerClient: same-id takeover, `client` event
  broker.registerClient(client);
  // cleanIncoming: nothing stored (isPristine)
  // doConnack
  connack(client, 0, (err) => {
    if (err) return finish(client, cb, err);
    // emptyQueue: nothing queued (isPristine): aedes would pipe an empty stream; just resume reading
    client.resume();
    finish(client, cb, null);
  });
}

function connack(client: LeanClient, returnCode: number, done: Done): void {
  const packet = { cmd: 'connack', returnCode, sessionPresent: false };
  write(client, packet, (err) => {
    if (!err) {
      client.broker.emit('connackSent', packet, client);
      client.connackSent = true;
    }
    done(err);
  });
}

/** connect.js init's final callback; aedes then clears `connecting` and calls the packet's done. */
function finish(client: LeanClient, cb: PreConnectCb, err: Error | null): void {
  client.connecting = false;
  if (!err) {
    client.connected = true;
    client.broker.emit('clientReady', client);
    client.emit('connected');
    return cb(null, false);
  }
  cb(err, false);
}
