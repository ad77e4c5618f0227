import { describe, expect, it } from 'vitest';
import { parseProxyHeader } from './proxy-protocol.js';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v2(cmd: number, fam: number, addr: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0x20 | cmd;
  head[1] = fam;
  head.writeUInt16BE(addr.length, 2);
  return Buffer.concat([SIG, head, addr]);
}

describe('PROXY protocol', () => {
  it('parses v1 TCP4/TCP6/UNKNOWN and needs the full line', () => {
    const line = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 40000 1884\r\nMQTT');
    expect(parseProxyHeader(line)).toEqual({
      length: line.length - 4,
      sourceAddress: '203.0.113.7',
      sourcePort: 40000,
    });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 ::1 1 2\r\n'))?.sourceAddress).toBe(
      '2001:db8::1',
    );
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toMatchObject({ sourceAddress: undefined });
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7'))).toBeNull();
    expect(parseProxyHeader(Buffer.from('PRO'))).toBeNull();
  });

  it('refuses malformed v1 headers and non-PROXY bytes', () => {
    expect(() => parseProxyHeader(Buffer.from([0x10, 0x20]))).toThrow(/PROXY/);
    expect(() => parseProxyHeader(Buffer.from('PROXZ TCP4'))).toThrow();
    expect(() => parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n'))).toThrow(/port/);
    expect(() => parseProxyHeader(Buffer.from(`PROXY ${'x'.repeat(120)}`))).toThrow(/too long/);
  });

  it('parses v2 IPv4 and IPv6 PROXY commands, and LOCAL', () => {
    const a4 = Buffer.from([203, 0, 113, 7, 10, 0, 0, 1, 0x9c, 0x40, 0x07, 0x5c]);
    expect(parseProxyHeader(Buffer.concat([v2(1, 0x11, a4), Buffer.from([0x10])]))).toEqual({
      length: 28,
      sourceAddress: '203.0.113.7',
      sourcePort: 40000,
    });
    const a6 = Buffer.alloc(36);
    a6.writeUInt16BE(0x2001, 0);
    a6.writeUInt16BE(0x0db8, 2);
    a6.writeUInt16BE(1, 14);
    a6.writeUInt16BE(1234, 32);
    expect(parseProxyHeader(v2(1, 0x21, a6))).toMatchObject({
      sourceAddress: '2001:db8:0:0:0:0:0:1',
      sourcePort: 1234,
    });
    expect(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)))).toEqual({
      length: 16,
      sourceAddress: undefined,
      sourcePort: undefined,
    });
    expect(parseProxyHeader(v2(1, 0x11, a4).subarray(0, 20))).toBeNull();
    expect(() => parseProxyHeader(Buffer.concat([SIG.subarray(0, 11), Buffer.from([0])]))).toThrow(
      /signature/,
    );
  });
});
