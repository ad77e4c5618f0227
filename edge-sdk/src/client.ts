// EdgeClient: buffers every record before sending, batches by time and size, publishes QoS1 and removes
// records from the buffer only when the broker PUBACKed the batch that carried them. Never logs: it emits
// events and keeps a status() snapshot.
// default import: mqtt's browser ESM build has only a default export (named imports break in browsers)
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { RecordBuffer } from './buffer/types.js';
import { CommandRouter, type CommandHandler, type ConfigHandler } from './commands.js';
import { TypedEmitter } from './emitter.js';
import { EdgeError, connectionError } from './errors.js';
import {
  channelTopic,
  commandFilter,
  DEFAULT_LIMITS,
  parseSeverity,
  parseTopic,
  type DataChannel,
  type Severity,
  type SeverityName,
} from './protocol/index.js';
import { createBackoff } from './transport/backoff.js';
import { BatchSender } from './transport/sender.js';
import type { ClientEvents, ClientOptions, ClientStatus, LogAttrs } from './client-types.js';

export type { ClientEvents, ClientOptions, ClientStatus, LogAttrs } from './client-types.js';

/** Refuses what the server would dead-letter anyway (ARCHITECTURE.md limits), before it enters the buffer. */
function checkJsonSize(what: string, value: unknown): void {
  if (value === undefined) return;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new EdgeError('sdk.bad_input', `${what} is not JSON-serializable: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const size = json === undefined ? 0 : json.length;
  if (size > DEFAULT_LIMITS.maxAttrsBytes) {
    throw new EdgeError(
      'sdk.bad_input',
      `${what} of ${size} bytes (JSON) exceed ${DEFAULT_LIMITS.maxAttrsBytes}`,
    );
  }
}

export class EdgeClient extends TypedEmitter<ClientEvents> {
  readonly deviceId: string;
  readonly #buffer: RecordBuffer;
  readonly #mqtt: MqttClient;
  readonly #router: CommandRouter;
  readonly #sender: BatchSender;
  readonly #backoff: ReturnType<typeof createBackoff>;
  #lastError: EdgeError | null = null;
  #closed = false;
  #lastTelemetryTs = 0;

  constructor(opts: ClientOptions) {
    super();
    if (typeof opts.deviceId !== 'string' || opts.deviceId.length === 0)
      throw new EdgeError('sdk.bad_input', 'deviceId is required');
    this.deviceId = opts.deviceId;
    this.#buffer = opts.buffer;
    this.#sender = new BatchSender(
      {
        buffer: this.#buffer,
        connected: () => this.#mqtt.connected,
        publish: (channel, payload, done) =>
          this.#mqtt.publish(channelTopic(this.deviceId, channel), payload, { qos: 1 }, done),
        acked: (n) => {
          this.emit('acked', n);
          this.emit('status', this.status());
        },
        error: (e) => this.#fail(e),
        buffered: (n) => this.emit('buffered', n),
      },
      opts,
    );
    this.#backoff = createBackoff(opts.reconnect);
    this.#router = new CommandRouter({
      reply: (r) => this.#publishJson(channelTopic(this.deviceId, 'reply'), r),
      report: (doc) => this.#publishJson(channelTopic(this.deviceId, 'config'), doc),
      error: (e) => this.#fail(e),
      config: (doc) => this.emit('config', doc),
    });
    const mqttOpts: IClientOptions = {
      protocolVersion: 4,
      clientId: opts.deviceId,
      username: opts.deviceId,
      clean: false,
      keepalive: opts.keepaliveSec ?? 30,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
      reconnectPeriod: this.#backoff.next(),
      reconnectOnConnackError: true,
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
    };
    if (opts.token !== undefined) mqttOpts.password = opts.token;
    if (opts.cert !== undefined) mqttOpts.cert = opts.cert as string;
    if (opts.key !== undefined) mqttOpts.key = opts.key as string;
    if (opts.ca !== undefined) mqttOpts.ca = opts.ca as string;
    try {
      this.#mqtt = mqtt.connect(opts.url, mqttOpts);
    } catch (err) {
      throw new EdgeError(
        'sdk.bad_input',
        `cannot connect to ${JSON.stringify(opts.url)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#mqtt.on('connect', () => this.#onConnect());
    this.#mqtt.on('close', () => this.#onClose());
    // each reconnect attempt pushes the next delay out (mqtt.js reads reconnectPeriod when it schedules one)
    this.#mqtt.on('reconnect', () => (this.#mqtt.options.reconnectPeriod = this.#backoff.next()));
    this.#mqtt.on('error', (err) => this.#fail(connectionError(err)));
    this.#mqtt.on('message', (topic, payload) => this.#onMessage(topic, payload));
  }

  // ---- records ------------------------------------------------------------------------------------

  /** Buffers a log record; returns its seq. Throws EdgeError `sdk.buffer_full` (policy reject) or `sdk.bad_input`. */
  log(severity: Severity | SeverityName | string, message: string, attrs?: LogAttrs): number {
    let sev: Severity;
    try {
      sev = parseSeverity(severity);
    } catch (err) {
      throw new EdgeError('sdk.bad_input', (err as Error).message, { cause: err });
    }
    if (typeof message !== 'string') throw new EdgeError('sdk.bad_input', 'message must be a string');
    if (message.length > DEFAULT_LIMITS.maxMessageChars) {
      throw new EdgeError(
        'sdk.bad_input',
        `message of ${message.length} chars exceeds ${DEFAULT_LIMITS.maxMessageChars}`,
      );
    }
    if (attrs !== undefined && (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs))) {
      throw new EdgeError('sdk.bad_input', 'attrs must be an object');
    }
    checkJsonSize('attrs', attrs);
    return this.#append(
      'logs',
      attrs === undefined
        ? { ts: Date.now(), severity: sev, message }
        : { ts: Date.now(), severity: sev, message, attrs },
    );
  }

  emerg = (message: string, attrs?: LogAttrs): number => this.log(0, message, attrs);
  alert = (message: string, attrs?: LogAttrs): number => this.log(1, message, attrs);
  critical = (message: string, attrs?: LogAttrs): number => this.log(2, message, attrs);
  error = (message: string, attrs?: LogAttrs): number => this.log(3, message, attrs);
  warn = (message: string, attrs?: LogAttrs): number => this.log(4, message, attrs);
  notice = (message: string, attrs?: LogAttrs): number => this.log(5, message, attrs);
  info = (message: string, attrs?: LogAttrs): number => this.log(6, message, attrs);
  debug = (message: string, attrs?: LogAttrs): number => this.log(7, message, attrs);

  /** Buffers one telemetry sample `{ metric: number }` at `time` (default now); returns its seq. */
  telemetry(metrics: Record<string, number>, time?: Date | number): number {
    if (typeof metrics !== 'object' || metrics === null || Object.keys(metrics).length === 0) {
      throw new EdgeError('sdk.bad_input', 'telemetry needs at least one metric');
    }
    for (const [k, v] of Object.entries(metrics)) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new EdgeError('sdk.bad_input', `metric "${k}" must be a finite number`);
    }
    // samples are stored per (device, metric, time): without an explicit time, each sample of this client
    // gets its own millisecond so two samples in the same millisecond are not collapsed into one
    let ts: number;
    if (time === undefined) ts = this.#lastTelemetryTs = Math.max(Date.now(), this.#lastTelemetryTs + 1);
    else ts = typeof time === 'number' ? time : time.getTime();
    if (!Number.isFinite(ts))
      throw new EdgeError('sdk.bad_input', 'telemetry time must be a valid date or epoch ms');
    return this.#append('telemetry', { ts, metrics });
  }

  /** Buffers an event; returns its seq. */
  event(name: string, data?: unknown): number {
    if (typeof name !== 'string' || name.length === 0 || name.length > 128)
      throw new EdgeError('sdk.bad_input', 'event name must be a string of 1-128 chars');
    checkJsonSize('event data', data);
    return this.#append(
      'events',
      data === undefined ? { ts: Date.now(), name } : { ts: Date.now(), name, data },
    );
  }

  #append(channel: DataChannel, record: Record<string, unknown>): number {
    if (this.#closed) throw new EdgeError('sdk.closed', 'client is closed');
    const droppedBefore = this.#buffer.stats().dropped;
    const entry = this.#buffer.append(channel, record as never);
    const dropped = this.#buffer.stats().dropped;
    if (dropped > droppedBefore) this.emit('dropped', dropped);
    this.#sender.appended();
    return entry.seq;
  }

  // ---- commands -----------------------------------------------------------------------------------

  /** Registers a command handler; its return value (or promise) is the reply's `data`, a throw an error reply. */
  onCommand(name: string, handler: CommandHandler): this {
    this.#router.onCommand(name, handler);
    return this;
  }

  /** Registers a desired-configuration handler; after it succeeds the version is reported back. */
  onConfig(handler: ConfigHandler): this {
    this.#router.onConfig(handler);
    return this;
  }

  // ---- down-link replies ---------------------------------------------------------------------

  #publishJson(topic: string, value: unknown): void {
    this.#mqtt.publish(topic, JSON.stringify(value), { qos: 1 }, (err) => {
      if (err)
        this.#fail(
          new EdgeError('sdk.publish', `publish to ${topic} failed: ${err.message}`, { cause: err }),
        );
    });
  }

  // ---- connection ---------------------------------------------------------------------------------

  #onConnect(): void {
    this.#backoff.reset();
    this.#mqtt.options.reconnectPeriod = this.#backoff.next();
    this.#mqtt.subscribe(commandFilter(this.deviceId), { qos: 1 }, (err) => {
      if (err)
        this.#fail(
          new EdgeError('sdk.connection', `subscribe to commands failed: ${err.message}`, { cause: err }),
        );
    });
    this.emit('connect');
    this.emit('status', this.status());
    this.#sender.schedule(0);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.emit('disconnect');
    this.emit('status', this.status());
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    const t = parseTopic(topic);
    if (t === null || t.kind !== 'command' || t.deviceId !== this.deviceId) return;
    void this.#router.handle(t.name, payload);
  }

  #fail(err: EdgeError): void {
    this.#lastError = err;
    this.emit('error', err);
  }

  // ---- status and lifecycle -----------------------------------------------------------------------

  status(): ClientStatus {
    const s = this.#buffer.stats();
    return {
      connected: this.#mqtt.connected,
      buffered: s.count,
      bufferedBytes: s.bytes,
      inflight: this.#sender.inflight,
      sent: this.#sender.sent,
      acked: this.#sender.acked,
      dropped: s.dropped,
      lastError: this.#lastError,
    };
  }

  /** Resolves when the first connection is up; rejects on `sdk.auth` / `sdk.tls` errors or after `timeoutMs`. */
  whenConnected(timeoutMs = 30_000): Promise<void> {
    if (this.#mqtt.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: EdgeError) => {
        clearTimeout(timer);
        this.off('connect', onConnect).off('error', onError);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onConnect = () => done();
      const onError = (e: EdgeError) => (e.code === 'sdk.auth' || e.code === 'sdk.tls' ? done(e) : undefined);
      const timer = setTimeout(
        () =>
          done(
            new EdgeError('sdk.connection', `not connected after ${timeoutMs} ms`, {
              cause: this.#lastError,
            }),
          ),
        timeoutMs,
      );
      this.on('connect', onConnect).on('error', onError);
    });
  }

  /** Resolves true when every buffered record has been acknowledged; false after `timeoutMs`. */
  flush(timeoutMs = 10_000): Promise<boolean> {
    return this.#sender.flush(timeoutMs);
  }

  /** Sends what it can within `flushTimeoutMs` (default 2 s), disconnects and closes the buffer. Unsent records stay on disk. */
  async close(opts: { flushTimeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    if (this.#mqtt.connected) await this.flush(opts.flushTimeoutMs ?? 2000);
    this.#closed = true;
    this.#sender.stop();
    // forced: a graceful end waits for every outstanding PUBACK/SUBACK, which may never come. Nothing is
    // lost: unacknowledged records stay in the buffer; a persistent session needs no DISCONNECT.
    await new Promise<void>((resolve) => this.#mqtt.end(true, {}, () => resolve()));
    this.#buffer.close();
  }
}
