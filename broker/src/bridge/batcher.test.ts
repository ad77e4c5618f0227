import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';
import { decodeEnvelope } from '@iotlog/edge-sdk/protocol';
import { createBatcher } from './batcher.js';

function recordingSink() {
  const published: { subject: string; msgId: string; count: number }[] = [];
  return {
    published,
    sink: {
      publish(envelope: Uint8Array, subject: string, msgId: string): Promise<void> {
        published.push({ subject, msgId, count: decodeEnvelope(envelope).messages.length });
        return Promise.resolve();
      },
    },
  };
}

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('batcher', () => {
  it('sends a batch that filled up once, not again from its scheduled send', async () => {
    const { sink, published } = recordingSink();
    const b = createBatcher({
      sink,
      brokerId: 'b1',
      prefix: 'iot',
      lingerMs: 0,
      maxItems: 2,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    const acks: (Error | null)[] = [];
    for (let i = 0; i < 3; i++) b.add('t1', 'd1', 'logs', Buffer.from(`m${i}`), (err) => acks.push(err));
    await until(() => acks.length >= 3);
    await b.flush();
    expect(published.map((p) => p.count)).toEqual([2, 1]);
    expect(acks).toEqual([null, null, null]);
  });

  it('sends the batches of one event-loop turn together, one envelope per device and channel', async () => {
    const { sink, published } = recordingSink();
    const b = createBatcher({
      sink,
      brokerId: 'b1',
      prefix: 'iot',
      lingerMs: 0,
      maxItems: 256,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    let acked = 0;
    for (const [d, ch] of [
      ['d1', 'logs'],
      ['d2', 'logs'],
      ['d1', 'telemetry'],
      ['d1', 'logs'],
    ] as const)
      b.add('t1', d, ch, Buffer.from('x'), () => acked++);
    await until(() => acked === 4);
    expect(published.map((p) => [p.subject, p.count])).toEqual([
      ['iot.ingest.t1.d1.logs', 2],
      ['iot.ingest.t1.d2.logs', 1],
      ['iot.ingest.t1.d1.telemetry', 1],
    ]);
    expect(new Set(published.map((p) => p.msgId)).size).toBe(3);
  });
});

describe('batcher byte limit', () => {
  it('opens a new batch after one reached 900 KiB, and sends it too', async () => {
    const { sink, published } = recordingSink();
    const b = createBatcher({
      sink,
      brokerId: 'b1',
      prefix: 'iot',
      lingerMs: 0,
      maxItems: 256,
      metrics: createMetrics(),
      logger: pino({ level: 'silent' }),
    });
    let acked = 0;
    for (let i = 0; i < 5; i++) b.add('t1', 'd1', 'logs', Buffer.alloc(300 * 1024), () => acked++);
    await until(() => acked === 5);
    expect(published.map((p) => p.count)).toEqual([2, 2, 1]); // 2 x (300 KiB + 12) fit, a third does not
  });
});
