// What the listeners learned about a connection before MQTT starts: the real source address (PROXY
// protocol aware) and the verified client certificate's fingerprint. Keyed by the stream given to aedes.
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

export type ConnectionInfo = {
  remoteAddress: string;
  certFingerprint: string | undefined;
  transport: string;
};

const infos = new WeakMap<object, ConnectionInfo>();

export function setConnectionInfo(conn: object, info: ConnectionInfo): void {
  infos.set(conn, info);
}

export function getConnectionInfo(conn: object): ConnectionInfo | undefined {
  return infos.get(conn);
}

/** sha256 of the peer certificate DER (lower-case hex) when the TLS socket verified one, else undefined. */
export function peerFingerprint(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) return undefined;
  return createHash('sha256').update(cert.raw).digest('hex');
}
