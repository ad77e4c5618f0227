import { describe, expect, it } from 'vitest';
import { subjects } from './subjects.js';

describe('subjects', () => {
  it('default prefix matches ARCHITECTURE.md', () => {
    const s = subjects();
    expect(s.stream).toBe('IOT_INGEST');
    expect(s.ingest('t1', 'd1', 'logs')).toBe('iot.ingest.t1.d1.logs');
    expect(s.ingestAll).toBe('iot.ingest.>');
    expect(s.cmd('t1', 'd1')).toBe('iot.cmd.t1.d1');
    expect(s.reply('t1', 'd1')).toBe('iot.reply.t1.d1');
    expect(s.ctlDevice).toBe('iot.ctl.device');
    expect(s.ctlAll).toBe('iot.ctl.>');
    expect(s.presence('t1', 'd1')).toBe('iot.presence.t1.d1');
    expect(s.alert('t1')).toBe('iot.alert.t1');
  });

  it('custom prefix and stream name; parseIngest round trip', () => {
    const s = subjects('t_abc');
    expect(s.stream).toBe('T_ABC_INGEST');
    const subj = s.ingest('t1', 'd1', 'telemetry');
    expect(s.parseIngest(subj)).toEqual({ tenantId: 't1', deviceId: 'd1', channel: 'telemetry' });
    expect(s.parseIngest('iot.ingest.t1.d1.logs')).toBeNull();
    expect(s.parseIngest('t_abc.ingest.t1.d1.nope')).toBeNull();
  });

  it('refuses tokens that would break the subject space', () => {
    const s = subjects();
    expect(() => s.ingest('a.b', 'd', 'logs')).toThrow(/subject token/);
    expect(() => s.cmd('t', '*')).toThrow(/subject token/);
    expect(() => s.alert('>')).toThrow(/subject token/);
    expect(() => s.presence('', 'd')).toThrow(/subject token/);
    expect(() => subjects('a.b')).toThrow(/prefix/);
    expect(() => s.ingest('t', 'd', 'bogus' as 'logs')).toThrow(/unknown channel/);
  });
});
