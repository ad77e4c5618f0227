// Column buffers of one write batch: one array per column, passed to `unnest(...)` as array parameters.

export interface LogRows {
  time: number[];
  receivedAt: number[];
  tenantId: string[];
  deviceId: string[];
  seq: number[];
  severity: number[];
  message: string[];
  /** JSON text or null. */
  attrs: (string | null)[];
}

export interface TelemetryRows {
  time: number[];
  tenantId: string[];
  deviceId: string[];
  metric: string[];
  value: number[];
}

export interface EventRows {
  time: number[];
  receivedAt: number[];
  tenantId: string[];
  deviceId: string[];
  seq: number[];
  name: string[];
  /** JSON text or null. */
  data: (string | null)[];
}

export interface DeadLetterRows {
  receivedAt: number[];
  tenantId: (string | null)[];
  deviceId: (string | null)[];
  channel: string[];
  code: string[];
  reason: string[];
  /** Hex of the raw payload, or null. */
  payloadHex: (string | null)[];
  streamSeq: (number | null)[];
  /** Envelope item index of the payload, -1 for the whole message (part of the natural key). */
  position: number[];
}

export interface BatchRows {
  logs: LogRows;
  telemetry: TelemetryRows;
  events: EventRows;
  deadLetters: DeadLetterRows;
}

export function emptyRows(): BatchRows {
  return {
    logs: {
      time: [],
      receivedAt: [],
      tenantId: [],
      deviceId: [],
      seq: [],
      severity: [],
      message: [],
      attrs: [],
    },
    telemetry: { time: [], tenantId: [], deviceId: [], metric: [], value: [] },
    events: { time: [], receivedAt: [], tenantId: [], deviceId: [], seq: [], name: [], data: [] },
    deadLetters: {
      receivedAt: [],
      tenantId: [],
      deviceId: [],
      channel: [],
      code: [],
      reason: [],
      payloadHex: [],
      streamSeq: [],
      position: [],
    },
  };
}

/** Records (rows) held by a batch, dead letters included. */
export function rowCount(rows: BatchRows): number {
  return (
    rows.logs.time.length +
    rows.telemetry.time.length +
    rows.events.time.length +
    rows.deadLetters.code.length
  );
}

/** Appends every row of `from` to `into`. */
export function appendRows(into: BatchRows, from: BatchRows): void {
  for (const table of ['logs', 'telemetry', 'events', 'deadLetters'] as const) {
    const src = from[table] as unknown as Record<string, unknown[]>;
    const dst = into[table] as unknown as Record<string, unknown[]>;
    for (const col of Object.keys(src)) {
      const a = dst[col] as unknown[];
      for (const v of src[col] as unknown[]) a.push(v);
    }
  }
}
