// MQTT topic names of the device namespace and the ACL rules the broker enforces (ARCHITECTURE.md "MQTT topics").
import { ProtocolError } from './errors.js';

/** Data channels a device publishes records on. */
export const DATA_CHANNELS = ['logs', 'telemetry', 'events'] as const;
export type DataChannel = (typeof DATA_CHANNELS)[number];

/** Every up channel: data plus command replies and reported configuration. */
export const CHANNELS = ['logs', 'telemetry', 'events', 'reply', 'config'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Name of the retained desired-configuration "command". */
export const CONFIG_COMMAND = '_config';

const MAX_ID_LENGTH = 128;
const MAX_COMMAND_LENGTH = 128;

/** True when `id` can be one level of a topic: non-empty, at most 128 chars, no `/ + #`, NUL or `$` first. */
export function isValidDeviceId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_ID_LENGTH || id.startsWith('$')) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    // '/' 47, '+' 43, '#' 35, NUL 0
    if (c === 47 || c === 43 || c === 35 || c === 0) return false;
  }
  return true;
}

export function assertDeviceId(id: string): void {
  if (!isValidDeviceId(id)) {
    throw new ProtocolError(
      'protocol.bad_id',
      `invalid device id ${JSON.stringify(id)}: 1-128 chars, no "/", "+", "#", NUL, not starting with "$"`,
    );
  }
}

export function isChannel(v: string): v is Channel {
  return (CHANNELS as readonly string[]).includes(v);
}

/** The up topic of a channel: `d/{id}/logs`, `d/{id}/telemetry`, `d/{id}/events`, `d/{id}/reply`, `d/{id}/config/reported`. */
export function channelTopic(deviceId: string, channel: Channel): string {
  assertDeviceId(deviceId);
  return channel === 'config' ? `d/${deviceId}/config/reported` : `d/${deviceId}/${channel}`;
}

export const logsTopic = (deviceId: string): string => channelTopic(deviceId, 'logs');
export const telemetryTopic = (deviceId: string): string => channelTopic(deviceId, 'telemetry');
export const eventsTopic = (deviceId: string): string => channelTopic(deviceId, 'events');
export const replyTopic = (deviceId: string): string => channelTopic(deviceId, 'reply');
export const reportedConfigTopic = (deviceId: string): string => channelTopic(deviceId, 'config');

function assertCommandName(name: string): void {
  if (name.length === 0 || name.length > MAX_COMMAND_LENGTH || /[/+#\0]/.test(name)) {
    throw new ProtocolError(
      'protocol.bad_id',
      `invalid command name ${JSON.stringify(name)}: 1-128 chars, no "/", "+", "#", NUL`,
    );
  }
}

/** `d/{id}/cmd/{name}`: where a command is delivered. */
export function commandTopic(deviceId: string, name: string): string {
  assertDeviceId(deviceId);
  assertCommandName(name);
  return `d/${deviceId}/cmd/${name}`;
}

/** `d/{id}/cmd/_config`: retained desired configuration. */
export const desiredConfigTopic = (deviceId: string): string => commandTopic(deviceId, CONFIG_COMMAND);

/** `d/{id}/cmd/#`: what a device subscribes to. */
export function commandFilter(deviceId: string): string {
  assertDeviceId(deviceId);
  return `d/${deviceId}/cmd/#`;
}

export type ParsedTopic =
  | { kind: 'channel'; deviceId: string; channel: Channel }
  | { kind: 'command'; deviceId: string; name: string };

/**
 * Parses a concrete (wildcard-free) topic of the device namespace. Returns null for anything else:
 * other prefixes, wrong level counts, wildcards, empty levels, invalid ids.
 */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length < 3 || parts[0] !== 'd') return null;
  const deviceId = parts[1] ?? '';
  if (!isValidDeviceId(deviceId)) return null;
  const rest = parts[2] ?? '';
  if (parts.length === 3) {
    if (rest === 'logs' || rest === 'telemetry' || rest === 'events' || rest === 'reply') {
      return { kind: 'channel', deviceId, channel: rest };
    }
    return null;
  }
  if (parts.length === 4) {
    if (rest === 'config' && parts[3] === 'reported') return { kind: 'channel', deviceId, channel: 'config' };
    const name = parts[3] ?? '';
    if (rest === 'cmd' && name.length > 0 && name.length <= MAX_COMMAND_LENGTH && !/[+#\0]/.test(name)) {
      return { kind: 'command', deviceId, name };
    }
  }
  return null;
}

/** Channel of an up topic published by `deviceId`, or null when that device may not publish there. */
export function channelOf(deviceId: string, topic: string): Channel | null {
  const p = parseTopic(topic);
  return p !== null && p.kind === 'channel' && p.deviceId === deviceId ? p.channel : null;
}

/** ACL: a device may publish only to its own logs/telemetry/events/reply/config/reported topics. */
export function canPublish(deviceId: string, topic: string): boolean {
  return isValidDeviceId(deviceId) && channelOf(deviceId, topic) !== null;
}

/**
 * ACL: a device may subscribe only under `d/{itsId}/cmd/`. Wildcards are allowed only after that prefix
 * (`d/{id}/cmd/#`, `d/{id}/cmd/+`); `#`, `d/+/...`, `d/{id}/#`, other ids, `$share/...` are refused,
 * as are malformed filters (`#` not last, `+`/`#` not alone in a level).
 */
export function canSubscribe(deviceId: string, filter: string): boolean {
  if (!isValidDeviceId(deviceId)) return false;
  const prefix = `d/${deviceId}/cmd/`;
  if (!filter.startsWith(prefix)) return false;
  const levels = filter.slice(prefix.length).split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] ?? '';
    if (level.length === 0) return false;
    if (level === '#') {
      if (i !== levels.length - 1) return false;
      continue;
    }
    if (level === '+') continue;
    if (level.includes('#') || level.includes('+') || level.includes('\0')) return false;
  }
  return true;
}
