// Starts `iotlog up` in-process for end-to-end tests: local ports only (0 = free ports), silent logs.
import { pino } from 'pino';
import { loadUpEnv } from '../cli/embedded/env.js';
import { startEmbedded, type Embedded } from '../cli/embedded/start.js';

export const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startUp(vars: Record<string, string>): Promise<Embedded> {
  const source = {
    MQTT_PORT: '0',
    BROKER_HTTP_PORT: '0',
    PROCESSOR_HTTP_PORT: '0',
    CONSOLE_PORT: '0',
    HOST: '127.0.0.1',
    ...vars,
  };
  return startEmbedded(loadUpEnv(source), source, silent);
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`, { cause: last });
    await new Promise((r) => setTimeout(r, 50));
  }
}
