import { describe, expect, it } from 'vitest';
import { createMemoryBus, subjectMatches } from './memory.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('memory bus: ingest delivery rules', () => {
  it('delivers each message once to one of several sources, and forgets it on ack', async () => {
    const bus = createMemoryBus();
    const a = bus.source();
    const b = bus.source();
    await bus.publish(bytes('1'), 's', 'id1');
    await bus.publish(bytes('2'), 's', 'id2');
    await a.ready();
    const m1 = a.poll();
    const m2 = b.poll();
    expect([text(m1!.data), text(m2!.data)]).toEqual(['1', '2']);
    expect(a.poll()).toBeUndefined();
    expect(bus.stats()).toEqual({ pending: 0, ackPending: 2 });
    m1!.ack();
    m2!.ack();
    expect(bus.stats()).toEqual({ pending: 0, ackPending: 0 });
    bus.close();
  });

  it('redelivers after nak(delay) and after the ack wait, with the same sequence', async () => {
    const bus = createMemoryBus({ ackWaitMs: 50 });
    const s = bus.source();
    await bus.publish(bytes('x'), 's', 'id');
    const first = s.poll()!;
    first.nak(20);
    expect(s.poll()).toBeUndefined();
    await s.ready();
    const second = s.poll()!;
    expect(second.seq).toBe(first.seq);
    // no ack: the ack wait hands it out again
    await s.ready();
    const third = s.poll()!;
    expect(third.seq).toBe(first.seq);
    third.ack();
    second.ack(); // a late ack of an expired delivery changes nothing
    expect(bus.stats()).toEqual({ pending: 0, ackPending: 0 });
    bus.close();
  });

  it('stores a message id once within the duplicate window', async () => {
    const bus = createMemoryBus();
    await bus.publish(bytes('x'), 's', 'same');
    await bus.publish(bytes('x'), 's', 'same');
    expect(bus.stats().pending).toBe(1);
    bus.close();
  });

  it('makes publish wait while maxPending messages are held (backpressure)', async () => {
    const bus = createMemoryBus({ maxPending: 2 });
    const s = bus.source();
    await bus.publish(bytes('1'), 's', '1');
    await bus.publish(bytes('2'), 's', '2');
    let third = false;
    const p = bus.publish(bytes('3'), 's', '3').then(() => (third = true));
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(false);
    s.poll()!.ack();
    await p;
    expect(third).toBe(true);
    bus.close();
  });
});

describe('memory bus: subjects', () => {
  it('matches NATS wildcards', () => {
    expect(subjectMatches('iot.presence.*.*', 'iot.presence.t.d')).toBe(true);
    expect(subjectMatches('iot.presence.*.*', 'iot.presence.t')).toBe(false);
    expect(subjectMatches('iot.>', 'iot.a.b.c')).toBe(true);
    expect(subjectMatches('iot.>', 'iot')).toBe(false);
    expect(subjectMatches('iot.ctl.device', 'iot.ctl.device')).toBe(true);
  });

  it('delivers to every plain subscriber and one member of a queue group; answers requests', async () => {
    const bus = createMemoryBus();
    const got: string[] = [];
    bus.subjects.subscribe('a.*', (d) => got.push(`plain:${text(d)}`));
    bus.subjects.subscribe('a.>', (d) => got.push(`q1:${text(d)}`), { queue: 'g' });
    bus.subjects.subscribe('a.>', (d) => got.push(`q2:${text(d)}`), { queue: 'g' });
    bus.subjects.publish('a.b', bytes('1'));
    expect(got.filter((g) => g.startsWith('plain'))).toEqual(['plain:1']);
    expect(got.filter((g) => g.startsWith('q'))).toHaveLength(1);
    bus.subjects.subscribe('cmd.x', (d, _s, respond) => respond?.(bytes(`re:${text(d)}`)));
    expect(text(await bus.request('cmd.x', bytes('hi')))).toBe('re:hi');
    await expect(bus.request('nobody', bytes('hi'))).rejects.toThrow(/no responders/);
    bus.close();
  });
});
