// PROXY protocol v1 (text) and v2 (binary) header parser, as sent by load balancers (HAProxy, AWS NLB)
// before the client's bytes. Only the source address is used. Spec: haproxy.org/download/2.9/doc/proxy-protocol.txt
import type { Socket } from 'node:net';
import { BrokerError } from '../errors.js';

const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V1_MAX = 107;

export type ProxyHeader = {
  length: number;
  sourceAddress: string | undefined;
  sourcePort: number | undefined;
};

export class ProxyProtocolError extends BrokerError {
  override name = 'ProxyProtocolError';
}

/** Parses a header at the start of `buf`; null when more bytes are needed. Throws on a malformed header. */
export function parseProxyHeader(buf: Buffer): ProxyHeader | null {
  if (buf.length === 0) return null;
  if (buf[0] === 0x0d) return parseV2(buf);
  if (buf[0] === 0x50) return parseV1(buf);
  throw new ProxyProtocolError('proxy.missing', 'connection did not start with a PROXY protocol header');
}

function parseV1(buf: Buffer): ProxyHeader | null {
  const probe = buf.subarray(0, Math.min(buf.length, 6)).toString('latin1');
  if (!'PROXY '.startsWith(probe)) throw new ProxyProtocolError('proxy.malformed', 'bad PROXY v1 signature');
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end < 0) {
    if (buf.length >= V1_MAX) throw new ProxyProtocolError('proxy.malformed', 'PROXY v1 line too long');
    return null;
  }
  const parts = buf.subarray(0, end).toString('latin1').split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN') return { length, sourceAddress: undefined, sourcePort: undefined };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) {
    throw new ProxyProtocolError('proxy.malformed', 'bad PROXY v1 line');
  }
  const port = Number(parts[4]);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ProxyProtocolError('proxy.malformed', 'bad PROXY v1 port');
  return { length, sourceAddress: parts[2], sourcePort: port };
}

function parseV2(buf: Buffer): ProxyHeader | null {
  const n = Math.min(buf.length, 12);
  if (!buf.subarray(0, n).equals(V2_SIG.subarray(0, n)))
    throw new ProxyProtocolError('proxy.malformed', 'bad PROXY v2 signature');
  if (buf.length < 16) return null;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) throw new ProxyProtocolError('proxy.malformed', 'unsupported PROXY v2 version');
  const length = 16 + buf.readUInt16BE(14);
  if (buf.length < length) return null;
  const local = (verCmd & 0x0f) === 0;
  const family = buf[13]! >> 4;
  if (local) return { length, sourceAddress: undefined, sourcePort: undefined };
  if (family === 1 && length >= 16 + 12) {
    const a = buf.subarray(16, 20);
    return { length, sourceAddress: [...a].join('.'), sourcePort: buf.readUInt16BE(24) };
  }
  if (family === 2 && length >= 16 + 36) {
    const a = buf.subarray(16, 32);
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
    return { length, sourceAddress: groups.join(':'), sourcePort: buf.readUInt16BE(48) };
  }
  return { length, sourceAddress: undefined, sourcePort: undefined };
}

/** Reads the header off `socket`, puts any following bytes back, and resolves with it. */
export function readProxyHeader(socket: Socket, timeoutMs = 10_000): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(
      () => finish(new ProxyProtocolError('proxy.timeout', 'no PROXY header in time')),
      timeoutMs,
    );
    function finish(err: Error | null, header?: ProxyHeader): void {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', finish);
      socket.removeListener('end', onEnd);
      if (err) reject(err);
      else resolve(header!);
    }
    function onEnd(): void {
      finish(new ProxyProtocolError('proxy.closed', 'connection closed before the PROXY header'));
    }
    function onData(chunk: Buffer): void {
      buf = Buffer.concat([buf, chunk]);
      let header: ProxyHeader | null;
      try {
        header = parseProxyHeader(buf);
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (!header) return;
      socket.pause();
      finish(null, header);
      const rest = buf.subarray(header.length);
      if (rest.length > 0) socket.unshift(rest);
    }
    socket.on('data', onData);
    socket.once('error', finish);
    socket.once('end', onEnd);
  });
}
