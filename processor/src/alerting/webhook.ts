/**
 * Signed webhooks. Header `x-iotlog-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`.
 * A receiver recomputes the HMAC over the raw body and refuses stale timestamps (see `verifySignature`).
 * Delivery retries with exponential backoff; every attempt is one `notification_deliveries` row.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Queryable } from './alert-store.js';

export const SIGNATURE_HEADER = 'x-iotlog-signature';

export function sign(secret: string, body: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Verifies a signature header against the raw body; refuses timestamps more than `toleranceS` away. */
export function verifySignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  toleranceS = 300,
  now = Date.now(),
): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  const v1 = parts.v1;
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(now / 1000 - t) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

export interface WebhookOptions {
  maxAttempts: number;
  /** First retry delay, ms; doubled each attempt, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 5_000,
};

export interface WebhookSender {
  /** Delivers in the background (retries included); the promise settles when delivery ended either way. */
  send(alertId: string, url: string, secret: string, payload: unknown): Promise<boolean>;
  /** Waits for deliveries in flight (shutdown); retries still waiting are cancelled. */
  close(): Promise<void>;
}

const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

export function createWebhookSender(deps: {
  db: Queryable;
  logger: Logger;
  options?: Partial<WebhookOptions>;
}): WebhookSender {
  const o = { ...DEFAULT_WEBHOOK_OPTIONS, ...deps.options };
  const log = deps.logger.child({ component: 'webhook' });
  const inFlight = new Set<Promise<boolean>>();
  const stop = new AbortController();

  const record = (
    alertId: string,
    attempt: number,
    url: string,
    statusCode: number | null,
    error: string | null,
    durationMs: number,
  ) =>
    deps.db.query(
      'INSERT INTO notification_deliveries (alert_id, attempt, url, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)',
      [alertId, attempt, url, statusCode, error, durationMs],
    );

  async function deliver(alertId: string, url: string, secret: string, payload: unknown): Promise<boolean> {
    const body = JSON.stringify(payload);
    for (let attempt = 1; attempt <= o.maxAttempts && !stop.signal.aborted; attempt++) {
      const started = performance.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: sign(secret, body),
            'user-agent': 'iotlog-alerting',
          },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(o.timeoutMs), stop.signal]),
        });
        status = res.status;
        await res.body?.cancel();
      } catch (err) {
        error = (err as Error).message;
      }
      await record(alertId, attempt, url, status, error, Math.round(performance.now() - started));
      if (status !== null && status >= 200 && status < 300) return true;
      if (status !== null && !retryable(status)) {
        log.warn({ alertId, url, status, attempt }, 'webhook refused; not retrying');
        return false;
      }
      log.warn({ alertId, url, status, error, attempt }, 'webhook attempt failed');
      const delay = Math.min(o.baseDelayMs * 2 ** (attempt - 1), o.maxDelayMs);
      if (attempt < o.maxAttempts) await sleep(delay, stop.signal);
    }
    log.error({ alertId, url }, 'webhook delivery gave up');
    return false;
  }

  return {
    send(alertId, url, secret, payload) {
      const p = deliver(alertId, url, secret, payload).catch((err: unknown) => {
        log.error({ err, alertId, url }, 'webhook delivery failed');
        return false;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    },
    async close() {
      stop.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
