import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import {
  canPublish,
  canSubscribe,
  channelOf,
  channelTopic,
  commandFilter,
  commandTopic,
  desiredConfigTopic,
  isValidDeviceId,
  parseTopic,
  reportedConfigTopic,
} from './topics.js';

const id = '2f1c6b1e-8a4e-4c55-9a77-0d2b7d6c9e11';

describe('topics', () => {
  it('builds every up topic and parses it back', () => {
    for (const ch of ['logs', 'telemetry', 'events', 'reply', 'config'] as const) {
      const t = channelTopic(id, ch);
      expect(parseTopic(t)).toEqual({ kind: 'channel', deviceId: id, channel: ch });
      expect(channelOf(id, t)).toBe(ch);
    }
    expect(reportedConfigTopic(id)).toBe(`d/${id}/config/reported`);
    expect(channelTopic(id, 'logs')).toBe(`d/${id}/logs`);
  });

  it('builds command topics and the subscription filter', () => {
    expect(commandTopic(id, 'reboot')).toBe(`d/${id}/cmd/reboot`);
    expect(desiredConfigTopic(id)).toBe(`d/${id}/cmd/_config`);
    expect(commandFilter(id)).toBe(`d/${id}/cmd/#`);
    expect(parseTopic(`d/${id}/cmd/reboot`)).toEqual({ kind: 'command', deviceId: id, name: 'reboot' });
  });

  it('refuses invalid ids and command names with protocol.bad_id', () => {
    for (const bad of ['', 'a/b', 'a+b', 'a#', '$SYS', 'x'.repeat(129)]) {
      expect(isValidDeviceId(bad)).toBe(false);
      expect(() => channelTopic(bad, 'logs')).toThrow(ProtocolError);
    }
    try {
      commandTopic(id, 'a/b');
      expect.unreachable();
    } catch (err) {
      expect((err as ProtocolError).code).toBe('protocol.bad_id');
    }
  });

  it('parseTopic returns null outside the namespace', () => {
    for (const t of [
      'x/1/logs',
      `d/${id}`,
      `d/${id}/other`,
      `d/${id}/logs/extra`,
      `d/${id}/config/desired`,
      `d/${id}/cmd/#`,
      `d/${id}/cmd/+`,
      'd//logs',
      `d/${id}/cmd/`,
    ]) {
      expect(parseTopic(t)).toBeNull();
    }
  });
});

describe('ACL', () => {
  it('canPublish: only the own up topics', () => {
    expect(canPublish(id, `d/${id}/logs`)).toBe(true);
    expect(canPublish(id, `d/${id}/telemetry`)).toBe(true);
    expect(canPublish(id, `d/${id}/events`)).toBe(true);
    expect(canPublish(id, `d/${id}/reply`)).toBe(true);
    expect(canPublish(id, `d/${id}/config/reported`)).toBe(true);
    expect(canPublish(id, `d/other/logs`)).toBe(false);
    expect(canPublish(id, `d/${id}/cmd/reboot`)).toBe(false);
    expect(canPublish(id, `d/${id}/cmd/_config`)).toBe(false);
    expect(canPublish(id, `d/+/logs`)).toBe(false);
    expect(canPublish(id, `d/${id}/#`)).toBe(false);
    expect(canPublish(id, `d/${id}/logs/x`)).toBe(false);
    expect(canPublish(id, `$SYS/x`)).toBe(false);
    expect(canPublish('a/b', `d/a/b/logs`)).toBe(false);
  });

  it('canSubscribe: only under the own cmd/ with well-formed wildcards', () => {
    expect(canSubscribe(id, `d/${id}/cmd/#`)).toBe(true);
    expect(canSubscribe(id, `d/${id}/cmd/+`)).toBe(true);
    expect(canSubscribe(id, `d/${id}/cmd/reboot`)).toBe(true);
    expect(canSubscribe(id, `d/${id}/cmd/_config`)).toBe(true);
    expect(canSubscribe(id, `d/${id}/cmd/+/x`)).toBe(true);
    for (const f of [
      '#',
      '+/#',
      `d/+/cmd/#`,
      `d/#`,
      `d/${id}/#`,
      `d/${id}/+/#`,
      `d/${id}/cmd`,
      `d/${id}/cmd/`,
      `d/other/cmd/#`,
      `d/${id}/cmd/#/x`,
      `d/${id}/cmd/a#`,
      `d/${id}/cmd/a+`,
      `d/${id}/cmd//x`,
      `$share/g/d/${id}/cmd/#`,
      `d/${id}/logs`,
    ]) {
      expect(canSubscribe(id, f), f).toBe(false);
    }
    expect(canSubscribe('+', 'd/+/cmd/#')).toBe(false);
  });
});
