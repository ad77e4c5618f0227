/**
 * Commands and desired configuration down to devices, over the contract of ARCHITECTURE.md:
 * - command: publish `{ id, name, data, ts }` on `iot.cmd.{tenant}.{device}`; the broker delivers it QoS1 on
 *   `d/{id}/cmd/{name}`; the device answers on `d/{id}/reply` with `{ id, ok, data?, error? }`, which the broker
 *   republishes on `iot.reply.{tenant}.{device}`; the reply is matched by `id`.
 * - desired configuration: `{ id, name: "_config", data: { version, config }, ts, retain: true }` on the same
 *   subject; the broker publishes `data` retained on `d/{id}/cmd/_config`, so a device that was offline gets it
 *   when it (re)subscribes.
 * Used by the console API and the CLI through a small publish/subscribe port (core NATS or the embedded bus).
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONFIG_COMMAND, type CommandReply, type Subjects } from '@iotlog/edge-sdk/protocol';
import { AlertingError, CommandTimeoutError } from './errors.js';

export interface CommandBus {
  publish(subject: string, data: Uint8Array): void | Promise<void>;
  subscribe(subject: string, onMessage: (subject: string, data: Uint8Array) => void): { unsubscribe(): void };
}

export const COMMAND_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MAX_COMMAND_DATA_BYTES = 64 * 1024;
export const MAX_CONFIG_BYTES = 64 * 1024;

export function natsCommandBus(nc: NatsConnection): CommandBus {
  return {
    publish: (subject, data) => nc.publish(subject, data),
    subscribe(subject, onMessage) {
      const sub = nc.subscribe(subject, {
        callback: (err, m) => (err ? undefined : onMessage(m.subject, m.data)),
      });
      return { unsubscribe: () => sub.unsubscribe() };
    },
  };
}

const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

export type CommandResult = CommandReply & { durationMs: number };

/** Sends a command and waits for the device's reply with the same id; throws CommandTimeoutError after `timeoutMs`. */
export async function sendCommand(
  bus: CommandBus,
  subjects: Subjects,
  c: { tenantId: string; deviceId: string; name: string; data?: unknown; timeoutMs: number },
): Promise<CommandResult> {
  if (!COMMAND_NAME.test(c.name)) {
    throw new AlertingError(
      'command.bad_name',
      `command name "${c.name}" must be 1..64 letters, digits, _ . - (not starting with _ . -)`,
    );
  }
  const id = randomUUID();
  const body = encode({ id, name: c.name, data: c.data ?? null, ts: Date.now() });
  if (body.length > MAX_COMMAND_DATA_BYTES)
    throw new AlertingError(
      'command.too_large',
      `command is ${body.length} bytes; at most ${MAX_COMMAND_DATA_BYTES}`,
    );
  const started = performance.now();
  let sub: { unsubscribe(): void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = new Promise<CommandReply>((resolve, reject) => {
      sub = bus.subscribe(subjects.reply(c.tenantId, c.deviceId), (_s, data) => {
        let r: Partial<CommandReply>;
        try {
          r = JSON.parse(new TextDecoder().decode(data)) as Partial<CommandReply>;
        } catch {
          return; // another command's garbage reply is not ours to judge
        }
        if (r.id === id)
          resolve({
            id,
            ok: r.ok === true,
            ...(r.data === undefined ? {} : { data: r.data }),
            ...(r.error === undefined ? {} : { error: String(r.error) }),
          });
      });
      timer = setTimeout(() => reject(new CommandTimeoutError(c.deviceId, c.timeoutMs)), c.timeoutMs);
    });
    await bus.publish(subjects.cmd(c.tenantId, c.deviceId), body);
    const r = await reply;
    return { ...r, durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
    sub?.unsubscribe();
  }
}

/** The `iot.cmd` message carrying a desired configuration (retained on `d/{id}/cmd/_config` by the broker). */
export function desiredConfigMessage(
  version: number,
  config: Record<string, unknown>,
): Record<string, unknown> {
  return { id: randomUUID(), name: CONFIG_COMMAND, data: { version, config }, ts: Date.now(), retain: true };
}

export async function publishDesiredConfig(
  bus: CommandBus,
  subjects: Subjects,
  d: { tenantId: string; deviceId: string; version: number; config: Record<string, unknown> },
): Promise<void> {
  await bus.publish(subjects.cmd(d.tenantId, d.deviceId), encode(desiredConfigMessage(d.version, d.config)));
}

/** Validates a desired configuration document: a JSON object of at most MAX_CONFIG_BYTES. */
export function checkConfig(config: unknown): Record<string, unknown> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new AlertingError('config.invalid', 'configuration must be a JSON object');
  }
  const size = encode(config).length;
  if (size > MAX_CONFIG_BYTES)
    throw new AlertingError(
      'config.too_large',
      `configuration is ${size} bytes; at most ${MAX_CONFIG_BYTES}`,
    );
  return config as Record<string, unknown>;
}
